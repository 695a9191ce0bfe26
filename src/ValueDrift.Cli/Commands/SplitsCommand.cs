using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ValueDrift.Common;
using ValueDrift.Drift;
using ValueDrift.Experiments;
using ValueDrift.Probes;
using ValueDrift.World;
using ValueDrift.WorldRuns;

namespace ValueDrift.Cli.Commands;

/// <summary>
/// <c>valuedrift splits [--out runs/demo] [--quick] [--seed S] [--stages a,b] [--format json]</c>: a finished demo's
/// SFT stages measured start → end in the held-out words every run probes in and in the training sets' own
/// (<see cref="WorldSplitComparison"/>), to see how much of a finding is memory of training strings.
/// </summary>
public sealed class SplitsCommand : ICliCommand
{
    public Command Build(CliIO io)
    {
        var quick = new Option<bool>("--quick") { Description = "the demo was run with --quick" };
        var output = new Option<string>("--out") { Description = "the demo's run folder", DefaultValueFactory = _ => Path.Combine("runs", "demo") };
        var seed = new Option<long>("--seed") { Description = "the demo's --seed", DefaultValueFactory = _ => 1 };
        var cache = new Option<string?>("--cache") { Description = "base-model cache folder (default $VALUEDRIFT_CACHE or ~/.cache/valuedrift)" };
        var stages = new Option<string?>("--stages") { Description = $"comma-separated stages (default: {string.Join(",", WorldSplitComparison.SftStages)})" };
        var format = new Option<string>("--format") { Description = "text | json", DefaultValueFactory = _ => "text" };
        var cmd = new Command("splits", "Measure a finished demo's SFT findings on held-out and on training words.") { quick, output, seed, cache, stages, format };
        cmd.SetAction(r =>
        {
            var o = r.GetValue(quick) ? WorldExperimentOptions.Quick(r.GetValue(output)!) : WorldExperimentOptions.Default(r.GetValue(output)!);
            o = o with { Seed = r.GetValue(seed), CacheRoot = r.GetValue(cache) };
            o.Validate();
            var names = r.GetValue(stages) is { } s ? s.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) : WorldSplitComparison.SftStages;
            var fmt = r.GetValue(format)!;
            if (fmt is not ("text" or "json")) throw new Errors.ConfigException("--format", "format", $"'{fmt}': expected text or json");
            var findings = WorldSplitComparison.Measure(o, names.ToList(), LineLogger.To(io.Err));
            if (fmt == "json")
                io.Out.WriteLine(JsonSerializer.Serialize(findings.Select(f => new
                {
                    stage = f.Stage, split = f.Split.Name(), probe = f.Probe,
                    row = DriftTable.ToJson(f.Row),
                }), new JsonSerializerOptions { WriteIndented = true }));
            else
            {
                io.Out.WriteLine("stage            probe       topic              stance   held-out M [95%]          training M [95%]");
                foreach (var g in findings.GroupBy(f => (f.Stage, f.Probe, f.Row.Topic, f.Row.Stance)))
                {
                    string Cell(WorldProbeSplit split) => g.FirstOrDefault(f => f.Split == split)?.Row is { } row
                        ? $"{Signed(row.Magnitude, 3)} {Ci(row.MagnitudeCi)}" : "-";
                    io.Out.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0,-16} {1,-11} {2,-18} {3,-8} {4,-25} {5}",
                        g.Key.Stage, g.Key.Probe, g.Key.Topic, g.Key.Stance.Label(), Cell(WorldProbeSplit.HeldOut), Cell(WorldProbeSplit.Training)));
                }
            }
            return 0;
        });
        return cmd;
    }

    private static string Ci(MagnitudeInterval? ci) => ci?.Interval is { } i ? $"[{Signed(i.Lower, 2)}, {Signed(i.Upper, 2)}]" : "";

    /// <summary>A signed number; one that rounds to zero prints as 0 (a custom format would print "-+0.00").</summary>
    private static string Signed(double x, int decimals)
    {
        var r = Math.Round(x, decimals);
        var digits = "0." + new string('0', decimals);
        return r.ToString($"+{digits};-{digits};{digits}", CultureInfo.InvariantCulture);
    }
}
