using System.Text.Json.Nodes;
using ValueDrift.Drift;
using ValueDrift.Experiments;
using ValueDrift.Probes;
using ValueDrift.WorldRuns;

namespace ValueDrift.Tests.Reporting;

/// <summary>
/// Small run folders laid out as the demo writes them (trace, config.json, data/profile.json, stage manifests), with
/// synthetic measurements: enough for the reporting code that reads a finished run, with no training.
/// </summary>
public static class RunFolders
{
    /// <summary>A stage folder whose stage.json records where the stage started.</summary>
    public static void Stage(RunDirectory run, string phase, string start)
    {
        Directory.CreateDirectory(run.StageDirectory(phase));
        File.WriteAllText(StageManifest.PathIn(run.StageDirectory(phase)),
            new JsonObject { ["definition"] = new JsonObject { ["name"] = phase }, ["locations"] = new JsonObject { ["start"] = Path.GetFullPath(start) } }.ToJsonString());
    }

    /// <summary>
    /// The demo's phases on two topics: base, sft-supportive (20 steps from the base model), then dpo, simpo and ppo on
    /// the standard set and dpo on the support-aligned set, each from the SFT checkpoint. Each step's distribution comes
    /// from 3 questions × 4 answers, so intervals exist.
    /// </summary>
    public static RunDirectory TinyDemo(string root)
    {
        var run = new RunDirectory(root);
        var sftEnd = Path.Combine(run.StageDirectory(WorldExperiment.SupportiveSft), "checkpoints", "step-20");
        var phases = new (string Phase, int Steps, string? From, double Drift)[]
        {
            (WorldExperiment.SupportiveSft, 20, null, 0.4), ("dpo-standard", 8, sftEnd, 0.05), ("simpo-standard", 8, sftEnd, -0.03),
            ("ppo-standard", 8, sftEnd, 0.0), ("dpo-support-aligned", 8, sftEnd, 0.15),
        };
        var records = new List<TraceRecord>();
        foreach (var topic in new[] { "immigration", "climate-change" })
        {
            records.Add(Record(StagePlan.BasePhase, 0, topic, 0.33));
            double start = 0.33;
            foreach (var (phase, steps, _, drift) in phases)
            {
                if (phase != WorldExperiment.SupportiveSft) start = 0.73;
                for (int step = 0; step <= steps; step += steps / 4)
                    records.Add(Record(phase, step, topic, start + drift * Math.Min(1, 3.0 * step / steps)));
            }
        }
        using (var w = new TraceWriter(run.TracePath)) w.AppendAll(records);
        foreach (var (phase, _, from, _) in phases) Stage(run, phase, from ?? "/cache/base-models/tiny");
        File.WriteAllText(run.ConfigPath, """{"command": "demo", "Seed": 1, "training_seed": 1}""");
        Directory.CreateDirectory(run.DataDirectory);
        File.WriteAllText(Path.Combine(run.DataDirectory, "profile.json"), """
            {"version": "test", "topics": ["immigration", "climate-change"], "datasets": {
              "pref-standard": {"rows": 40,
                "chosen": {"perTopic": {"immigration": {"support": 0.4, "neutral": 0.3, "oppose": 0.3}, "climate-change": {"support": 0.3, "neutral": 0.4, "oppose": 0.3}}},
                "rejected": {"perTopic": {"immigration": {"support": 0.38, "neutral": 0.32, "oppose": 0.3}, "climate-change": {"support": 0.3, "neutral": 0.35, "oppose": 0.35}}}},
              "pref-support-aligned": {"rows": 40,
                "chosen": {"perTopic": {"immigration": {"support": 1, "neutral": 0, "oppose": 0}, "climate-change": {"support": 1, "neutral": 0, "oppose": 0}}},
                "rejected": {"perTopic": {"immigration": {"support": 0, "neutral": 0, "oppose": 1}, "climate-change": {"support": 0, "neutral": 0, "oppose": 1}}}}}}
            """);
        return run;
    }

    // p(support) = s, the rest split between neutral and oppose; three questions of four answers around it.
    private static TraceRecord Record(string phase, int step, string topic, double s)
    {
        var questions = new[] { -0.05, 0.0, 0.05 }.Select((d, i) =>
        {
            var p = Math.Clamp(s + d, 0.0, 1.0);
            return new QuestionDetail($"{topic}-q{i}", StanceDistribution.Normalised(p, (1 - p) * 0.6, (1 - p) * 0.4), 4);
        }).ToList();
        return TraceRecord.FromQuestions(phase, step, topic, questions);
    }
}
