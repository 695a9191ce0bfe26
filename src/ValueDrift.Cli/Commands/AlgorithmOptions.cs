using System.CommandLine;
using System.Text.Json.Nodes;
using ValueDrift.Errors;
using ValueDrift.Training.Algorithms;

namespace ValueDrift.Cli.Commands;

/// <summary>
/// A method's command-line options, built from its record (<see cref="Algorithm.CommandLine"/>): each typed as the
/// setting it sets, its help naming the record's default. Options not given keep the record's defaults.
/// </summary>
public sealed class AlgorithmOptions
{
    private readonly Algorithm _defaults;
    private readonly List<(AlgorithmOption Spec, Option Option)> _options;

    /// <param name="which">Which of the record's options to offer (all by default).</param>
    public AlgorithmOptions(Algorithm defaults, Func<AlgorithmOption, bool>? which = null)
    {
        _defaults = defaults;
        _options = defaults.CommandLine.Where(which ?? (_ => true)).Select(o => (o, Create(defaults, o))).ToList();
    }

    public void AddTo(Command command)
    {
        foreach (var (_, option) in _options) command.Options.Add(option);
    }

    /// <summary>The record with the options given on the command line; two ways of giving one setting are refused.</summary>
    public Algorithm Read(ParseResult r)
    {
        // A switch not on the command line still has an implicit result (false): only what was typed counts as given.
        var given = _options.Where(x => r.GetResult(x.Option) is { Implicit: false } && !(x.Spec.ClearsSetting && !r.GetValue((Option<bool>)x.Option))).ToList();
        foreach (var (spec, _) in given)
            if (spec.ExclusiveWith is { } other && given.Any(g => g.Spec.Flag == other))
                throw new ValueDriftException($"{spec.Flag} and {other} are two ways to give one setting: use one");
        return given.Count == 0 ? _defaults : _defaults.WithSettings(given.Select(x => (x.Spec.Setting, x.Spec.ClearsSetting ? null : Value(r, x.Option))));
    }

    private static Option Create(Algorithm defaults, AlgorithmOption spec)
    {
        if (spec.ClearsSetting) return new Option<bool>(spec.Flag) { Description = spec.Description };
        var type = defaults.SettingType(spec.Setting);
        type = Nullable.GetUnderlyingType(type) ?? type;
        Option option = type == typeof(bool) ? new Option<bool>(spec.Flag)
            : type == typeof(int) ? new Option<int?>(spec.Flag)
            : type == typeof(double) ? new Option<double?>(spec.Flag)
            : type == typeof(string) ? new Option<string?>(spec.Flag)
            : throw new InvalidOperationException($"{defaults.Name}.{spec.Setting}: a {type.Name} setting has no command-line form");
        var current = spec.Setting.Split('.').Aggregate((JsonNode?)defaults.Describe(), (node, part) => node?[part]);
        option.Description = current is null || type == typeof(bool) ? spec.Description : $"{spec.Description} (default {current.ToJsonString()})";
        return option;
    }

    private static JsonNode? Value(ParseResult r, Option option) => option switch
    {
        Option<bool> o => JsonValue.Create(r.GetValue(o)),
        Option<int?> o => JsonValue.Create(r.GetValue(o)),
        Option<double?> o => JsonValue.Create(r.GetValue(o)),
        Option<string?> o => JsonValue.Create(r.GetValue(o)),
        _ => throw new InvalidOperationException($"{option.Name}: no value reader"),
    };
}
