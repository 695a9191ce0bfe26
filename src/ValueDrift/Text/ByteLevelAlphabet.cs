using System.Text;

namespace ValueDrift.Text;

/// <summary>
/// GPT-2's reversible map from bytes to printable characters, which byte-level BPE vocabularies are written in
/// (a space is "Ġ", a newline "Ċ"). Printable Latin-1 bytes map to themselves; the other 68 bytes to U+0100 onwards.
/// </summary>
internal static class ByteLevelAlphabet
{
    private static readonly char[] ByteToChar = Build();

    private static char[] Build()
    {
        var map = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            map[b] = printable ? (char)b : (char)next++;
        }
        return map;
    }

    /// <summary>The vocabulary spelling of <paramref name="text"/>'s UTF-8 bytes.</summary>
    public static string Encode(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var chars = new char[bytes.Length];
        for (var i = 0; i < bytes.Length; i++) chars[i] = ByteToChar[bytes[i]];
        return new string(chars);
    }
}
