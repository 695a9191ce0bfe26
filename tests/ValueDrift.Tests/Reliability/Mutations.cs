using System.Text;
using System.Text.RegularExpressions;

namespace ValueDrift.Tests.Reliability;

/// <summary>
/// Seeded damage to a valid file: byte-level (flips, truncation, deleted/duplicated ranges, invalid UTF-8),
/// line-level (deleted, duplicated, swapped lines) and JSON-aware (a value replaced by one of another type, a huge
/// number, deep nesting, an empty or very long string). Each returns the damaged input and a short description for
/// failure messages.
/// </summary>
public static partial class Mutations
{
    // Replacement values that change a field's type or push it to an extreme.
    private static readonly string[] Values =
    [
        "null", "\"\"", "\" \"", "\"x\"", "0", "-1", "1.5", "-0.0", "1e309", "-1e309", "99999999999999999999999", "2147483648",
        "-2147483649", "9223372036854775808", "4294967296", "1e-320", "true", "false", "[]", "{}", "[null]", "[[]]", "[{}]",
        "{\"a\":1}", "\"\\ud800\"", "\"\\u0000\"", "\"\\\\\"", "NaN", "Infinity", "[1,2,3]", "[\"a\",\"b\"]",
    ];

    /// <summary>A value of some other type or an extreme: one of <see cref="Values"/>, deep nesting, or a long string.</summary>
    public static string OddValue(Random rng) => rng.Next(12) switch
    {
        0 => Nesting(rng.Next(2) == 0 ? 70 : 5000),
        1 => "\"" + new string('a', 100_000) + "\"",
        _ => Values[rng.Next(Values.Length)],
    };

    private static string Nesting(int depth) => new string('[', depth) + new string(']', depth);

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"|-?\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?|true|false|null")]
    private static partial Regex JsonToken();

    /// <summary>JSON-aware damage to JSON text.</summary>
    public static (string Text, string What) Json(string text, Random rng)
    {
        var tokens = JsonToken().Matches(text);
        int kind = rng.Next(10);
        if (tokens.Count == 0 || kind == 9)
        {   // structural: drop or duplicate a bracket, comma or colon
            var structural = Enumerable.Range(0, text.Length).Where(i => "{}[],:".Contains(text[i])).ToList();
            if (structural.Count == 0) return (text + "}", "appended '}'");
            int at = structural[rng.Next(structural.Count)];
            return rng.Next(2) == 0 ? (text.Remove(at, 1), $"removed '{text[at]}' at {at}") : (text.Insert(at, text[at].ToString()), $"doubled '{text[at]}' at {at}");
        }
        var m = tokens[rng.Next(tokens.Count)];
        string replacement = kind switch
        {
            <= 5 => OddValue(rng),
            6 => m.Value.StartsWith('"') ? "\"" + m.Value[1..^1] + m.Value[1..^1] + "\"" : "\"" + m.Value + "\"",   // same text, other type
            7 => "",                                                                                               // value removed
            _ => m.Value.StartsWith('"') ? "\"" + Reversed(m.Value[1..^1]) + "\"" : (-1 - rng.Next(3)).ToString(), // renamed key / negative
        };
        string what = $"token {Short(m.Value)} at {m.Index} -> {Short(replacement)}";
        return (text[..m.Index] + replacement + text[(m.Index + m.Length)..], what);
    }

    private static string Reversed(string s) { var a = s.ToCharArray(); Array.Reverse(a); return new string(a); }

    private static string Short(string s) => s.Length <= 24 ? s : s[..12] + $"…({s.Length} chars)";

    /// <summary>Line-level damage: delete, duplicate or swap lines; an empty or blank file.</summary>
    public static (string Text, string What) Lines(string text, Random rng)
    {
        var lines = text.Split('\n').ToList();
        int a = rng.Next(lines.Count), b = rng.Next(lines.Count);
        switch (rng.Next(7))
        {
            case 0: lines.RemoveAt(a); return (string.Join('\n', lines), $"deleted line {a + 1}");
            case 1: lines.Insert(a, lines[b]); return (string.Join('\n', lines), $"line {b + 1} copied before line {a + 1}");
            case 2: (lines[a], lines[b]) = (lines[b], lines[a]); return (string.Join('\n', lines), $"swapped lines {a + 1} and {b + 1}");
            case 3: lines[a] = lines[a][..rng.Next(lines[a].Length + 1)]; return (string.Join('\n', lines), $"line {a + 1} cut short");
            case 4: return (rng.Next(2) == 0 ? "" : "\n \n\t\n", "empty or blank file");
            case 5: lines.Insert(a, OddValue(rng)); return (string.Join('\n', lines), $"odd value inserted as line {a + 1}");
            default: return (text.Replace("\n", "\r\n"), "CRLF line ends");
        }
    }

    /// <summary>Byte-level damage, optionally confined to the first <paramref name="focus"/> bytes.</summary>
    public static (byte[] Bytes, string What) Bytes(byte[] input, Random rng, int? focus = null)
    {
        int span = Math.Max(1, Math.Min(focus ?? input.Length, input.Length));
        var b = (byte[])input.Clone();
        switch (rng.Next(8))
        {
            case 0:
            {
                int n = 1 + rng.Next(4);
                var at = new List<int>();
                for (int i = 0; i < n && b.Length > 0; i++) { int p = rng.Next(span); b[p] ^= (byte)(1 << rng.Next(8)); at.Add(p); }
                return (b, $"bit flips at {string.Join(",", at)}");
            }
            case 1:
            {
                if (b.Length == 0) return (b, "empty");
                int p = rng.Next(span); byte v = (byte)rng.Next(256); b[p] = v;
                return (b, $"byte {p} set to 0x{v:X2}");
            }
            case 2:
            {
                int len = rng.Next(input.Length + 1);
                return (input[..len], $"truncated to {len} bytes");
            }
            case 3:
            {
                int p = rng.Next(span), n = Math.Min(input.Length - p, 1 + rng.Next(64));
                return ([.. input[..p], .. input[(p + n)..]], $"deleted {n} bytes at {p}");
            }
            case 4:
            {
                int p = rng.Next(span), n = Math.Min(input.Length - p, 1 + rng.Next(64));
                return ([.. input[..(p + n)], .. input[p..(p + n)], .. input[(p + n)..]], $"duplicated {n} bytes at {p}");
            }
            case 5:
            {   // invalid UTF-8: a lone continuation byte, an overlong form, a surrogate, 0xFF
                byte[][] bad = [[0x80], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xFF], [0xF4, 0x90, 0x80, 0x80], [0xC3]];
                var seq = bad[rng.Next(bad.Length)];
                int p = rng.Next(span + 1);
                return ([.. input[..p], .. seq, .. input[p..]], $"invalid UTF-8 {Convert.ToHexString(seq)} inserted at {p}");
            }
            case 6:
            {
                int p = rng.Next(span);
                byte v = "\"{}[],:\\\n\0"u8[rng.Next(10)];
                b[p] = v;
                return (b, $"byte {p} set to 0x{v:X2}");
            }
            default:
            {
                int p = rng.Next(span + 1), n = 1 + rng.Next(32);
                var junk = new byte[n]; rng.NextBytes(junk);
                return ([.. input[..p], .. junk, .. input[p..]], $"{n} random bytes inserted at {p}");
            }
        }
    }

    /// <summary>A mix for text files: JSON-aware (when <paramref name="json"/>), line-level and byte-level damage.</summary>
    public static (byte[] Bytes, string What) TextFile(string text, Random rng, bool json)
    {
        int r = rng.Next(10);
        if (json && r < 5) { var (t, w) = Json(text, rng); return (Encoding.UTF8.GetBytes(t), w); }
        if (r < 7) { var (t, w) = Lines(text, rng); return (Encoding.UTF8.GetBytes(t), w); }
        return Bytes(Encoding.UTF8.GetBytes(text), rng);
    }
}
