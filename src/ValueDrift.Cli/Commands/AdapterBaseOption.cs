using System.CommandLine;
using ValueDrift.Models;

namespace ValueDrift.Cli.Commands;

/// <summary>
/// <c>--base DIR</c> on every command that loads a model: the base model for a PEFT adapter folder given as the model
/// whose <c>adapter_config.json</c> names no folder on this machine (a hub id such as "meta-llama/Llama-3.2-3B").
/// </summary>
public static class AdapterBaseOption
{
    public static Option<string?> Create() => new("--base")
    {
        Description = "base model folder for an adapter folder whose adapter_config.json names a hub id or a path not on this machine",
    };

    /// <summary>Makes <paramref name="option"/>'s value the fallback base for everything this command loads.</summary>
    public static void Apply(ParseResult r, Option<string?> option)
    {
        if (r.GetValue(option) is { } dir) LoraAdapter.FallbackBase = dir;
    }
}
