using ValueDrift.Errors;
using ValueDrift.Probes;
using ValueDrift.World;

namespace ValueDrift.Experiments;

/// <summary>
/// A stance judge named in one string, as the CLI's <c>--judge</c> and a recipe's <c>probes.judge</c> give it:
/// <c>world</c> (the embedded world's exact judge), <c>local:DIR</c> (a judge checkpoint, <see cref="LocalModelJudge"/>)
/// or <c>endpoint:URL,MODEL</c> (an OpenAI-compatible chat endpoint, <see cref="ChatEndpointJudge"/>; the key is read
/// from VALUEDRIFT_JUDGE_API_KEY).
/// </summary>
public static class JudgeSpec
{
    public const string Forms = "world | local:DIR | endpoint:URL,MODEL";

    /// <summary>The judge a spec names. Dispose the result when it is disposable (a local judge owns its model).</summary>
    public static IStanceJudge Parse(string spec, string where = "--judge")
    {
        spec = spec.Trim();
        if (spec.Equals("world", StringComparison.OrdinalIgnoreCase)) return new WorldStanceJudge();
        if (spec.StartsWith("local:", StringComparison.OrdinalIgnoreCase))
        {
            var dir = spec["local:".Length..];
            if (dir.Length == 0) throw new ValueDriftException($"{where} local:DIR needs a judge model folder");
            return LocalModelJudge.FromFolder(dir);
        }
        if (spec.StartsWith("endpoint:", StringComparison.OrdinalIgnoreCase))
        {
            var rest = spec["endpoint:".Length..];
            var comma = rest.LastIndexOf(',');
            if (comma <= 0 || comma == rest.Length - 1)
                throw new ValueDriftException($"{where} endpoint:URL,MODEL needs both an endpoint URL and a model name (got '{spec}')");
            if (!Uri.TryCreate(rest[..comma], UriKind.Absolute, out var uri))
                throw new ValueDriftException($"{where}: '{rest[..comma]}' is not an absolute URL");
            return ChatEndpointJudge.ForOpenAICompatible(uri, rest[(comma + 1)..].Trim());
        }
        throw new ValueDriftException($"{where}: unknown judge '{spec}' ({Forms})");
    }
}
