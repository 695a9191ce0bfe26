using System.Globalization;
using System.Text;
using ValueDrift.Drift;
using ValueDrift.Probes;

namespace ValueDrift.Benchmarks;

/// <summary>
/// What each drift-time criterion gives against a known true drift time (docs/drift-metrics.md, "Choosing the
/// criterion"). Deterministic: every replicate draws from its own seeded stream.
/// <para>Model: a topic of <see cref="Questions"/> questions, each with its own level b_q ~ U(0.2, 0.7) and its own
/// drift Δ_q = Δ · U(0.5, 1.5) (mean Δ), measured at <see cref="Checkpoints"/> evenly spaced checkpoints of a phase.
/// The true support probability of question q at phase fraction t is b_q + Δ_q · f(t): slow f(t) = t (95% of the
/// change reached at t = 0.95); fast f(t) = (1 − e^(−t/τ)) / (1 − e^(−1/τ)) with τ = 0.2 / 3.2 (95% reached at
/// t = 0.20 on the checkpoint grid). Each checkpoint samples a cell's answers per question (5 or 50), each read as
/// a stance (one-hot), so a question's measured value is Binomial(answers, p) / answers — the probe's sampling noise.
/// The true drift time is the first checkpoint where f ≥ 0.95.</para>
/// Run: <c>dotnet run --project benchmarks/ValueDrift.Benchmarks -c Release -- drift-time-simulation [--replicates N]</c>.
/// </summary>
public static class DriftTimeSimulation
{
    public const string Flag = "drift-time-simulation";
    private const int Questions = 20;
    private const int Checkpoints = 21;
    private const double FastTau = 0.2 / 3.2;

    private sealed record Cell(string Pace, double Delta, int Answers);

    public static int Run(string[] args)
    {
        var i = Array.IndexOf(args, "--replicates");
        var replicates = i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : 400;
        Console.Write(Table(replicates));
        return 0;
    }

    /// <summary>The markdown table of every cell × criterion.</summary>
    public static string Table(int replicates)
    {
        // Two noise regimes: 5 answers per question (a question's value is noisy, sd up to 0.22) and 50 (nearly exact).
        Cell[] cells = [.. new[] { 5, 50 }.SelectMany(k => new Cell[]
            { new("slow", 0.05, k), new("slow", 0.30, k), new("fast", 0.05, k), new("fast", 0.30, k), new("flat", 0, k) })];
        var sb = new StringBuilder();
        sb.AppendLine($"| answers per question | drift | true η | criterion | reported | mean η | median η | reported at η = 0 | mean abs. error |");
        sb.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var cell in cells)
        {
            var truth = TrueTime(cell.Pace);
            var series = Enumerable.Range(0, replicates).Select(r => Series(cell, seed: 1000 * Array.IndexOf(cells, cell) + r)).ToList();
            foreach (var criterion in Enum.GetValues<DriftTimeCriterion>())
            {
                var options = new DriftTimeOptions { Criterion = criterion };
                var times = series.Select(s => DriftTime.Of(s, Stance.Support, options)).Where(double.IsFinite).OrderBy(x => x).ToList();
                string F(double x) => x.ToString("0.00", CultureInfo.InvariantCulture);
                string P(double x) => x.ToString("0%", CultureInfo.InvariantCulture);
                var label = cell.Pace == "flat" ? "flat (Δ = 0)" : $"{cell.Pace}, Δ = {F(cell.Delta)}";
                sb.AppendLine($"| {cell.Answers} | {label} | {(double.IsNaN(truth) ? "none" : F(truth))} | {criterion} | {P((double)times.Count / replicates)} | " +
                    (times.Count == 0 ? "– | – | – | – |"
                        : $"{F(times.Average())} | {F(Bootstrap.Quantile(times, 0.5))} | {P((double)times.Count(t => t == 0) / times.Count)} | " +
                          $"{(double.IsNaN(truth) ? "–" : F(times.Average(t => Math.Abs(t - truth))))} |"));
            }
        }
        return sb.ToString();
    }

    private static double Shape(string pace, double t) => pace switch
    {
        "slow" => t,
        "fast" => (1 - Math.Exp(-t / FastTau)) / (1 - Math.Exp(-1 / FastTau)),
        _ => 0,
    };

    /// <summary>The first checkpoint (as a phase fraction) where the true change reaches 95% of its total; NaN when flat.</summary>
    private static double TrueTime(string pace)
    {
        if (pace == "flat") return double.NaN;
        for (var c = 0; c < Checkpoints; c++)
        {
            var t = (double)c / (Checkpoints - 1);
            if (Shape(pace, t) >= 0.95 - 1e-12) return t;
        }
        return 1;
    }

    private static IReadOnlyList<TrajectoryPoint> Series(Cell cell, int seed)
    {
        var rng = new Random(seed);
        var level = Enumerable.Range(0, Questions).Select(_ => 0.2 + 0.5 * rng.NextDouble()).ToArray();
        var drift = Enumerable.Range(0, Questions).Select(_ => cell.Delta * (0.5 + rng.NextDouble())).ToArray();
        var points = new List<TrajectoryPoint>();
        for (var c = 0; c < Checkpoints; c++)
        {
            var t = (double)c / (Checkpoints - 1);
            var questions = new List<QuestionDetail>();
            for (var q = 0; q < Questions; q++)
            {
                var p = Math.Clamp(level[q] + drift[q] * Shape(cell.Pace, t), 0, 1);
                var support = 0;
                for (var a = 0; a < cell.Answers; a++) if (rng.NextDouble() < p) support++;
                questions.Add(new QuestionDetail($"q{q}", Split((double)support / cell.Answers), cell.Answers));
            }
            var mean = questions.Average(x => x.Value.Support);
            points.Add(new TrajectoryPoint(5 * c, Split(mean), Questions * cell.Answers, questions));
        }
        return points;
    }

    private static StanceDistribution Split(double support) => new(support, (1 - support) / 2, (1 - support) / 2);
}
