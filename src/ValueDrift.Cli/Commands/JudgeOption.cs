using System.CommandLine;
using ValueDrift.Errors;
using ValueDrift.Probes;
using ValueDrift.World;

namespace ValueDrift.Cli.Commands;

/// <summary>
/// The <c>--judge</c> option shared by the probing commands: <c>world</c> (the embedded world's exact judge),
/// <c>local:DIR</c> (a judge checkpoint folder, <see cref="LocalModelJudge"/>) or <c>endpoint:URL,MODEL</c> (an
/// OpenAI-compatible chat endpoint, <see cref="ChatEndpointJudge"/>; the key is read from VALUEDRIFT_JUDGE_API_KEY).
/// </summary>
public static class JudgeOption
{
    public static Option<string> Create() => new("--judge")
    {
        Description = "stance judge: world | local:DIR | endpoint:URL,MODEL",
        DefaultValueFactory = _ => "world",
    };

    /// <summary>The judge a spec names. Dispose the result when it is disposable (a local judge owns its model).</summary>
    public static IStanceJudge Parse(string spec)
    {
        spec = spec.Trim();
        if (spec.Equals("world", StringComparison.OrdinalIgnoreCase)) return new WorldStanceJudge();
        if (spec.StartsWith("local:", StringComparison.OrdinalIgnoreCase))
        {
            var dir = spec["local:".Length..];
            if (dir.Length == 0) throw new ValueDriftException("--judge local:DIR needs a judge model folder");
            return LocalModelJudge.FromFolder(dir);
        }
        if (spec.StartsWith("endpoint:", StringComparison.OrdinalIgnoreCase))
        {
            var rest = spec["endpoint:".Length..];
            var comma = rest.LastIndexOf(',');
            if (comma <= 0 || comma == rest.Length - 1)
                throw new ValueDriftException($"--judge endpoint:URL,MODEL needs both an endpoint URL and a model name (got '{spec}')");
            if (!Uri.TryCreate(rest[..comma], UriKind.Absolute, out var uri))
                throw new ValueDriftException($"--judge: '{rest[..comma]}' is not an absolute URL");
            return ChatEndpointJudge.ForOpenAICompatible(uri, rest[(comma + 1)..].Trim());
        }
        throw new ValueDriftException($"--judge: unknown judge '{spec}' (expected world, local:DIR or endpoint:URL,MODEL)");
    }
}
