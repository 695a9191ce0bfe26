using System.CommandLine;
using ValueDrift.Experiments;
using ValueDrift.Reporting;

namespace ValueDrift.Cli.Commands;

/// <summary>
/// <c>valuedrift figures [--run runs/demo] [--out docs/figures]</c>: the key charts of a finished demo run folder, and
/// the walkthrough notebook's stage charts drawn from the demo's stages of the same names, rendered to PNG with
/// headless Chromium (<see cref="RunFigures"/>), so they can be read where plotly.js does not run (GitHub).
/// Prints one line per picture: path, pixel size, bytes.
/// </summary>
public sealed class FiguresCommand : ICliCommand
{
    public Command Build(CliIO io)
    {
        var run = new Option<string>("--run") { Description = "a finished demo run folder", DefaultValueFactory = _ => "runs/demo" };
        var output = new Option<string>("--out") { Description = "folder for the PNG files", DefaultValueFactory = _ => "docs/figures" };
        var width = new Option<int>("--width") { Description = "chart width in pixels", DefaultValueFactory = _ => ChromiumPng.DefaultWidth };
        var cmd = new Command("figures", "Render the demo's and the walkthrough's key charts from a run folder to PNG (headless Chromium).") { run, output, width };
        cmd.SetAction(r =>
        {
            var dir = r.GetValue(run)!;
            if (!Directory.Exists(dir)) throw new Errors.ConfigException(dir, "--run", "no such run folder: run `./valuedrift demo --out " + dir + "` first");
            if (r.GetValue(width) is < 300 or > 4000) throw new Errors.ConfigException("command line", "--width", "must be between 300 and 4000 pixels");
            var folder = new RunDirectory(dir);
            var figures = RunFigures.Demo(folder).Concat(RunFigures.Walkthrough(folder)).ToList();
            foreach (var (f, png, w, h) in RunFigures.Render(figures, r.GetValue(output)!, r.GetValue(width)))
                io.Out.WriteLine($"{png}\t{w}×{h}\t{new FileInfo(png).Length} bytes\t{f.Caption}");
            return 0;
        });
        return cmd;
    }
}
