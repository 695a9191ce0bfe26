using System.CommandLine;
using System.Globalization;
using System.Text;
using ValueDrift.Errors;
using ValueDrift.Models;

namespace ValueDrift.Cli.Commands;

/// <summary>
/// <c>valuedrift logits --model DIR --ids 5,17,3</c>: prints <c>{"logits": [[...], ...]}</c>, one row of
/// vocabulary-size float32 logits per input position, for checking a checkpoint against other implementations.
/// </summary>
public sealed class LogitsCommand : ICliCommand
{
    public Command Build(CliIO io)
    {
        var model = new Option<string>("--model") { Description = "Hugging Face model folder (config.json + safetensors)", Required = true };
        var ids = new Option<string>("--ids") { Description = "comma-separated token ids", Required = true };
        var adapterBase = AdapterBaseOption.Create();
        var cmd = new Command("logits", "Print the float32 logits of a token sequence as JSON.") { model, ids, adapterBase };
        cmd.SetAction(r =>
        {
            AdapterBaseOption.Apply(r, adapterBase);
            var tokens = ParseIds(r.GetValue(ids)!);
            using var m = CausalLM.FromPretrained(r.GetValue(model)!);
            if (tokens.Any(t => t < 0 || t >= m.Config.VocabSize))
                throw new ValueDriftException($"--ids: every id must be in [0, {m.Config.VocabSize}) for this model");
            io.Out.WriteLine(ToJson(TokenLogits.Of(m, tokens), out int nonFinite));
            // NaN and ±Infinity are not JSON: written as null, and said on stderr so they are not mistaken for missing values.
            if (nonFinite > 0) io.Err.WriteLine($"warning: {nonFinite} logit(s) are not finite (NaN or ±Infinity) and are written as null; the weights may be damaged");
            return 0;
        });
        return cmd;
    }

    internal static long[] ParseIds(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) throw new ValueDriftException("--ids: no token ids given");
        return parts.Select(p => long.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
            ? v : throw new ValueDriftException($"--ids: '{p}' is not an integer token id")).ToArray();
    }

    private static string ToJson(float[][] logits, out int nonFinite)
    {
        nonFinite = 0;
        var sb = new StringBuilder("{\"logits\": [");
        for (int t = 0; t < logits.Length; t++)
        {
            sb.Append(t == 0 ? "[" : ", [");
            for (int v = 0; v < logits[t].Length; v++)
            {
                if (v > 0) sb.Append(", ");
                var x = logits[t][v];
                if (!float.IsFinite(x)) { sb.Append("null"); nonFinite++; continue; }
                sb.Append(x.ToString("R", CultureInfo.InvariantCulture));   // round-trips float32 exactly
            }
            sb.Append(']');
        }
        return sb.Append("]}").ToString();
    }
}
