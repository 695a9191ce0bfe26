using System.Text.Json;

namespace ValueDrift.Tests.Models;

/// <summary>expected_logits.json of a fixture: float64 logits from an independent NumPy forward pass, per sequence run alone.</summary>
public sealed record ReferenceLogits(long[][] InputIds, double[][][] Logits)
{
    public static ReferenceLogits Load(string modelDir)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(modelDir, "expected_logits.json")));
        var ids = doc.RootElement.GetProperty("input_ids").EnumerateArray().Select(s => s.EnumerateArray().Select(x => x.GetInt64()).ToArray()).ToArray();
        var logits = doc.RootElement.GetProperty("logits").EnumerateArray()
            .Select(s => s.EnumerateArray().Select(row => row.EnumerateArray().Select(x => x.GetDouble()).ToArray()).ToArray()).ToArray();
        return new ReferenceLogits(ids, logits);
    }
}
