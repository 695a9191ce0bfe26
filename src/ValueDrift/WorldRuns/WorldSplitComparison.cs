using Microsoft.Extensions.Logging;
using ValueDrift.Common;
using ValueDrift.Drift;
using ValueDrift.Models;
using ValueDrift.Probes;
using ValueDrift.Training;
using ValueDrift.World;
using ValueDrift.Experiments;

namespace ValueDrift.WorldRuns;

/// <summary>One stage's change on one split: the drift rows (start → end, with intervals) of both probes.</summary>
public sealed record WorldSplitFinding(string Stage, WorldProbeSplit Split, string Probe, DriftRow Row);

/// <summary>
/// A finished world run's stages measured in both splits' words (<see cref="WorldProbeSplit"/>): each stage's start
/// (the base model) and final checkpoint probed with held-out questions and references and with the training sets'
/// own, by the run's generation and likelihood probes. If a finding holds only in the training words, it is partly the
/// model's memory of training strings. Start → end only (drift magnitude with its paired interval), so both splits are
/// read the same way whatever checkpoints the run kept.
/// </summary>
public static class WorldSplitComparison
{
    /// <summary>The SFT stages, whose findings ("SFT sets values") the comparison is for.</summary>
    public static readonly IReadOnlyList<string> SftStages = [WorldExperiment.NeutralSft, WorldExperiment.SupportiveSft];

    public static IReadOnlyList<WorldSplitFinding> Measure(WorldExperimentOptions o, IReadOnlyList<string> stages, ILogger? logger = null)
    {
        var log = logger ?? LineLogger.None;
        var run = new RunDirectory(o.OutputDirectory);
        var finals = stages.Select(s => (Stage: s, Final: TrainingCheckpoint.Latest(run.StageDirectory(s))
            ?? throw new Errors.ConfigException(run.StageDirectory(s), "stage", $"no checkpoint of stage '{s}': run `valuedrift demo --out {o.OutputDirectory}` first"))).ToList();
        var setup = WorldExperiment.Prepare(o, log);
        var findings = new List<WorldSplitFinding>();
        foreach (var split in Enum.GetValues<WorldProbeSplit>())
        {
            var probes = WorldRunProbes.Build(setup.BaseModel, setup.World, WorldRecipe.For(o), split);
            var named = new List<(string Name, IStanceProbe Probe)> { ("generation", probes.Generation) };
            if (probes.Likelihood is not null) named.Add(("likelihood", probes.Likelihood));
            foreach (var (name, probe) in named)
            {
                log.Line($"splits: {split} words, {name} probe");
                var records = new List<TraceRecord>();
                var baseRecords = MeasureAt(setup.BaseModel, probe);
                foreach (var (stage, final) in finals)
                {
                    records.AddRange(baseRecords.Select(r => r with { Phase = stage, Step = 0 }));
                    records.AddRange(MeasureAt(final.Directory, probe).Select(r => r with { Phase = stage, Step = final.Step }));
                }
                var table = DriftTable.From(new Trajectory(records), new DriftTableOptions { Seed = (int)o.Seed });
                findings.AddRange(table.Rows.Select(r => new WorldSplitFinding(r.Phase, split, name, r)));
            }
        }
        return findings;
    }

    private static IReadOnlyList<TraceRecord> MeasureAt(string modelDir, IStanceProbe probe)
    {
        using var model = CausalLM.FromPretrained(modelDir);
        model.eval();
        using var _ = TorchSharp.torch.no_grad();
        return probe.Measure(model).ToTraceRecords("measured", 0);   // phase and step are set by the caller
    }
}
