using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using ValueDrift.Common;
using ValueDrift.Probes;
using ValueDrift.Training;

namespace ValueDrift.Interactive;

/// <summary>
/// Live progress of a stage (or of pretraining) while its cell runs: one output that redraws in place with the phase
/// (reward model, PPO, SFT, …), step / max, loss, the time left, and the latest stance bars per topic when a probe has
/// run. <see cref="Finish"/> shrinks it to one line, so the stage's chart, the cell's value, follows. Outside a
/// notebook the same progress goes to the logger as a line every <see cref="LogEvery"/> and at each phase's last step.
/// </summary>
public sealed class StageProgress : IProgress<TrainingProgress>
{
    /// <summary>Least time between two redraws of the notebook output: each sends the whole frame to the front end.</summary>
    public static readonly TimeSpan RedrawEvery = TimeSpan.FromMilliseconds(500);

    /// <summary>Least time between two progress lines in the log.</summary>
    public static readonly TimeSpan LogEvery = TimeSpan.FromSeconds(10);

    private readonly string _title;
    private readonly ILogger _logger;
    private readonly KernelDisplay? _display;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _lastDraw = -RedrawEvery, _lastLog = TimeSpan.Zero;
    private TrainingProgress? _latest;
    private string? _probing;
    private (string Probe, ProbeResult Result)? _bars;

    private StageProgress(string title, ILogger logger, KernelDisplay? display)
    {
        _title = title;
        _logger = logger;
        _display = display;
    }

    /// <summary>
    /// Starts the progress of <paramref name="title"/>: an updating output in the running notebook cell, or (outside
    /// one, or with <paramref name="inNotebook"/> false) lines to <paramref name="logger"/>.
    /// </summary>
    public static StageProgress Start(string title, ILogger logger, bool inNotebook = true)
    {
        var display = inNotebook ? KernelDisplay.TryShow(new ProgressView(Frame(title, null, null, null))) : null;
        return new StageProgress(title, logger, display);
    }

    /// <summary>True when the progress draws in a notebook output rather than the log.</summary>
    public bool InNotebook => _display is not null;

    /// <summary>The frame last drawn (or that would be drawn), as HTML.</summary>
    public string Html => Frame(_title, _latest, _probing, _bars);

    public void Report(TrainingProgress value)
    {
        bool phaseChanged = _latest is { } l && l.Objective != value.Objective;
        _latest = value;
        _probing = null;
        bool last = value.Step >= value.MaxSteps;
        Redraw(force: last || phaseChanged);
        if (_display is null && (last || _clock.Elapsed - _lastLog >= LogEvery)) LogLine(value);
    }

    /// <summary>A probe started measuring the current checkpoint.</summary>
    public void Probing(string probe)
    {
        _probing = probe;
        Redraw(force: true);
    }

    /// <summary>A probe measured the current checkpoint: its stance distributions become the bars.</summary>
    public void Probed(string probe, ProbeResult result)
    {
        _probing = null;
        // The generation probe is the paper's measurement: its bars win over the likelihood probe's.
        if (_bars is null || probe == _bars.Value.Probe || probe == GenerationProbeName) _bars = (probe, result);
        Redraw(force: true);
    }

    /// <summary>The name the notebook sessions give the generation probe in the progress output.</summary>
    public const string GenerationProbeName = "generation probe";

    /// <summary>Ends the progress: the output shrinks to <paramref name="line"/> (the chart that follows replaces it).</summary>
    public void Finish(string line)
    {
        if (_display is not null) _display.Update(new ProgressView($"<p style=\"color:#777;margin:0\">{WebUtility.HtmlEncode(line)}</p>"));
        else _logger.Line(line);
    }

    private void Redraw(bool force)
    {
        if (_display is null) return;
        var now = _clock.Elapsed;
        if (!force && now - _lastDraw < RedrawEvery) return;
        _lastDraw = now;
        _display.Update(new ProgressView(Html));
    }

    private void LogLine(TrainingProgress p)
    {
        _lastLog = _clock.Elapsed;
        _logger.Line($"{_title}: {Status(p)}");
    }

    /// <summary>"ppo step 12/48 · loss 0.412 · 31 s left".</summary>
    public static string Status(TrainingProgress p)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"{p.Objective} step {p.Step}/{p.MaxSteps} · loss {p.Loss:0.000}");
        if (p.Step >= p.MaxSteps) return text + string.Create(CultureInfo.InvariantCulture, $" · done in {p.Elapsed.TotalSeconds:0} s");
        return p.Remaining is { } left ? text + string.Create(CultureInfo.InvariantCulture, $" · {Math.Ceiling(left.TotalSeconds):0} s left") : text;
    }

    /// <summary>The frame: title, status line, a bar for the step, then the latest stance bars per topic.</summary>
    private static string Frame(string title, TrainingProgress? p, string? probing, (string Probe, ProbeResult Result)? bars)
    {
        var e = (Func<string, string>)WebUtility.HtmlEncode;
        var sb = new StringBuilder("<div class=\"valuedrift-progress\" style=\"font-family:sans-serif;font-size:0.9em\">");
        sb.Append("<b>").Append(e(title)).Append("</b> ");
        if (p is null) sb.Append(e(probing is null ? "starting…" : $"measuring ({probing})…"));
        else
        {
            sb.Append(e(Status(p) + (probing is null ? "" : $" · measuring ({probing})…")));
            var done = p.MaxSteps <= 0 ? 0 : Math.Clamp((double)p.Step / p.MaxSteps, 0, 1);
            sb.Append(string.Create(CultureInfo.InvariantCulture,
                $"<div style=\"width:320px;height:6px;background:#eee;margin:4px 0\"><div style=\"width:{done * 100:0.#}%;height:6px;background:#4c78a8\"></div></div>"));
        }
        if (bars is { } b)
        {
            sb.Append("<table style=\"border-collapse:collapse;margin-top:4px\"><caption style=\"text-align:left\">")
              .Append(e($"latest stances ({b.Probe}): support / neutral / oppose")).Append("</caption>");
            foreach (var t in b.Result.Topics)
            {
                sb.Append("<tr><td style=\"padding-right:8px\">").Append(e(t.Topic)).Append("</td><td><div style=\"display:flex;width:240px;height:12px\">");
                foreach (var (stance, colour) in new[] { (Stance.Support, "#4c9f70"), (Stance.Neutral, "#bbbbbb"), (Stance.Oppose, "#d1495b") })
                    sb.Append(string.Create(CultureInfo.InvariantCulture, $"<div title=\"{stance.Label()} {t.Value[stance]:0.00}\" style=\"width:{t.Value[stance] * 100:0.#}%;background:{colour}\"></div>"));
                sb.Append(string.Create(CultureInfo.InvariantCulture, $"</div></td><td style=\"padding-left:8px\">{t.Value.Support:0.00} / {t.Value.Neutral:0.00} / {t.Value.Oppose:0.00}</td></tr>"));
            }
            sb.Append("</table>");
        }
        return sb.Append("</div>").ToString();
    }
}
