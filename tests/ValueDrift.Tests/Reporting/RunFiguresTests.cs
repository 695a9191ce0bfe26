using ValueDrift.Experiments;
using ValueDrift.Reporting;
using ValueDrift.Tests.Cli;
using Xunit;

namespace ValueDrift.Tests.Reporting;

/// <summary>
/// `valuedrift figures`, which environment/figures.sh calls: a small run folder laid out as the demo writes it, rendered
/// to PNG by headless Chromium (Debian package `chromium`), offline. Checks the pictures exist and hold a drawn chart.
/// </summary>
public class RunFiguresTests
{
    [Fact]
    public void Figures_command_renders_the_demo_and_walkthrough_charts_of_a_run_folder()
    {
        var dir = Fixtures.TempDir("run-figures");
        var run = RunFolders.TinyDemo(Path.Combine(dir, "run"));
        var output = Path.Combine(dir, "figures");

        var (code, stdout, stderr) = CliRunner.Run("figures", "--run", run.Root, "--out", output, "--width", "900");
        Assert.True(code == 0, stderr);

        var expected = RunFigures.Demo(run).Concat(RunFigures.Walkthrough(run)).ToList();
        Assert.Equal(["demo-stances", "demo-drift-support", "demo-value-gap-support", "demo-value-gaps",
                      "walkthrough-sft-supportive", "walkthrough-dpo-standard", "walkthrough-simpo-standard", "walkthrough-ppo-standard", "walkthrough-stances"],
            expected.Select(f => f.Name));
        foreach (var f in expected)
        {
            var png = Path.Combine(output, f.Name + ".png");
            Assert.True(File.Exists(png), $"{f.Name}.png was not written");
            Assert.Equal((900, f.Figure.Height), ChromiumPng.Dimensions(png));
            // A white page of that size compresses to a few KB; a drawn chart (axes, text, lines or bars) does not.
            Assert.True(new FileInfo(png).Length > 12_000, $"{f.Name}.png is {new FileInfo(png).Length} bytes: nothing drawn?");
            Assert.Contains(png, stdout);
        }
        Assert.Empty(Directory.GetFiles(output, "*.valuedrift-tmp*"));
    }

    [Fact]
    [Trait("tier", "fast")]
    public void Figures_command_names_a_missing_run_folder_or_trace()
    {
        var dir = Fixtures.TempDir("run-figures-missing");
        var (code, _, stderr) = CliRunner.Run("figures", "--run", Path.Combine(dir, "nowhere"), "--out", Path.Combine(dir, "out"));
        Assert.Equal(2, code);
        Assert.Contains("no such run folder", stderr);
        Assert.Contains("valuedrift demo --out", stderr);

        var empty = Path.Combine(dir, "empty");
        Directory.CreateDirectory(empty);
        (code, _, stderr) = CliRunner.Run("figures", "--run", empty, "--out", Path.Combine(dir, "out"));
        Assert.Equal(2, code);
        Assert.Contains("trace.jsonl", stderr);
        Assert.Contains("no trace in the run folder", stderr);
    }
}
