using System.Text;
using System.Text.RegularExpressions;

namespace ValueDrift.Tests.Architecture;

/// <summary>One C# source file as the layer rule sees it: its namespace, the types it declares and its code text.</summary>
public sealed record SourceFile(string Path, string Namespace, IReadOnlyList<string> DeclaredTypes, string Code)
{
    private static readonly Regex NamespaceDeclaration = new(@"^\s*namespace\s+([\w.]+)", RegexOptions.Multiline);
    private static readonly Regex TypeDeclaration = new(@"\b(?:class|struct|interface|enum|record)\s+(?:class\s+|struct\s+)?([A-Za-z_]\w*)");

    /// <summary>Parses source text; <paramref name="path"/> only names the file in messages.</summary>
    public static SourceFile Parse(string path, string text)
    {
        var code = SourceReferences.CodeOnly(text);
        var ns = NamespaceDeclaration.Match(code);
        if (!ns.Success) throw new InvalidOperationException($"{path}: no namespace declaration");
        var types = TypeDeclaration.Matches(code).Select(m => m.Groups[1].Value).Distinct().ToList();
        // The namespace line itself is not a reference.
        return new SourceFile(path, ns.Groups[1].Value, types, NamespaceDeclaration.Replace(code, ""));
    }
}

/// <summary>
/// Which project namespaces a source file refers to, read from the text: <c>using</c> directives (plain, static,
/// alias), fully qualified names (<c>ValueDrift.X.Type</c>) and names qualified relative to an enclosing namespace
/// (<c>Common.Seeds</c> inside <c>ValueDrift.Training</c>). Comments and string literals are ignored. Unqualified
/// use of a parent namespace's types needs no directive in C# and is not seen; the rule is about the directives and
/// qualified names a file must write to reach another layer.
/// </summary>
public static class SourceReferences
{
    private static readonly Regex FullyQualified = new(@"(?<![\w.])(?:global::)?(ValueDrift(?:\.[A-Za-z_]\w*)+)");
    private static readonly Regex RelativelyQualified = new(@"(?<![\w.:])([A-Z]\w*)\.([A-Z]\w*)");

    /// <summary>The project namespaces <paramref name="file"/> refers to, other than its own.</summary>
    /// <param name="types">The types declared in each known namespace (from every scanned file).</param>
    public static IReadOnlySet<string> Of(SourceFile file, IReadOnlyDictionary<string, HashSet<string>> types)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match m in FullyQualified.Matches(file.Code))
        {
            // The longest known namespace the dotted name starts with: ValueDrift.Training.Objectives.DpoLoss → ValueDrift.Training.Objectives.
            var parts = m.Groups[1].Value.Split('.');
            for (int n = parts.Length; n >= 2; n--)
            {
                var candidate = string.Join('.', parts[..n]);
                if (types.ContainsKey(candidate)) { found.Add(candidate); break; }
            }
        }
        foreach (Match m in RelativelyQualified.Matches(file.Code))
        {
            var (head, member) = (m.Groups[1].Value, m.Groups[2].Value);
            // C# looks the head up in the file's namespace, then in each enclosing one.
            for (var scope = file.Namespace; scope.Length > 0; scope = Parent(scope))
            {
                var candidate = scope + "." + head;
                if (types.TryGetValue(candidate, out var declared) && (declared.Contains(member) || types.ContainsKey(candidate + "." + member)))
                {
                    found.Add(types.ContainsKey(candidate + "." + member) ? candidate + "." + member : candidate);
                    break;
                }
            }
        }
        found.Remove(file.Namespace);
        return found;
    }

    private static string Parent(string ns) => ns.Contains('.') ? ns[..ns.LastIndexOf('.')] : "";

    /// <summary>
    /// The text with comments, string and character literals blanked (lengths kept). Interpolated strings are blanked
    /// whole, holes included.
    /// </summary>
    public static string CodeOnly(string text)
    {
        var sb = new StringBuilder(text.Length);
        int i = 0;
        void Blank(int end) { for (; i < end && i < text.Length; i++) sb.Append(text[i] == '\n' ? '\n' : ' '); }
        while (i < text.Length)
        {
            char c = text[i];
            char next = i + 1 < text.Length ? text[i + 1] : '\0';
            if (c == '/' && next == '/') { int e = text.IndexOf('\n', i); Blank(e < 0 ? text.Length : e); }
            else if (c == '/' && next == '*') { int e = text.IndexOf("*/", i + 2, StringComparison.Ordinal); Blank(e < 0 ? text.Length : e + 2); }
            else if (c == '"' || ((c == '@' || c == '$') && (next == '"' || next == '@' || next == '$'))) Blank(StringEnd(text, i));
            else if (c == '\'') Blank(CharEnd(text, i));
            else { sb.Append(c); i++; }
        }
        return sb.ToString();
    }

    /// <summary>The index just past the string literal starting at <paramref name="start"/> (prefixes $ and @ included).</summary>
    private static int StringEnd(string text, int start)
    {
        int i = start;
        bool verbatim = false;
        while (text[i] is '$' or '@') { verbatim |= text[i] == '@'; i++; }
        int quotes = 0;
        while (i + quotes < text.Length && text[i + quotes] == '"') quotes++;
        if (quotes >= 3)
        {
            // Raw string literal: ends at the same run of quotes.
            int e = text.IndexOf(new string('"', quotes), i + quotes, StringComparison.Ordinal);
            return e < 0 ? text.Length : e + quotes;
        }
        if (quotes == 2) return i + 2;   // ""
        for (i++; i < text.Length; i++)
        {
            if (verbatim && text[i] == '"' && i + 1 < text.Length && text[i + 1] == '"') { i++; continue; }
            if (!verbatim && text[i] == '\\') { i++; continue; }
            if (text[i] == '"') return i + 1;
            if (!verbatim && text[i] == '\n') return i;
        }
        return text.Length;
    }

    private static int CharEnd(string text, int start)
    {
        int i = start + 1;
        if (i < text.Length && text[i] == '\\') i += 2; else i++;
        while (i < text.Length && text[i] != '\'' && text[i] != '\n') i++;   // '\u0041'
        return Math.Min(text.Length, i + 1);
    }
}
