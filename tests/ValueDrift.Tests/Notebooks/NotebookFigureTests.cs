using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Xunit;

namespace ValueDrift.Tests.Notebooks;

/// <summary>
/// The notebooks are readable before running: 01 and 02 show, in their markdown, the committed PNGs of the charts
/// their cells draw, and every image a notebook's markdown references exists in the repository.
/// </summary>
[Trait("tier", "fast")]
public class NotebookFigureTests
{
    private static IEnumerable<(string Notebook, string Image)> Images(string notebook)
    {
        var cells = JsonNode.Parse(File.ReadAllText(Path.Combine(ExecutedNotebook.Folder, notebook)))!["cells"]!.AsArray();
        foreach (var cell in cells.Where(c => (string?)c!["cell_type"] == "markdown"))
        {
            var text = string.Concat(cell!["source"]!.AsArray().Select(x => (string?)x));
            foreach (Match m in Regex.Matches(text, @"!\[[^\]]*\]\(([^)\s]+)\)"))
                yield return (notebook, m.Groups[1].Value);
        }
    }

    [Fact]
    public void Every_image_a_notebook_references_exists()
    {
        var all = ExecutedNotebook.All().SelectMany(Images).ToList();
        Assert.NotEmpty(all);
        foreach (var (notebook, image) in all)
            Assert.True(File.Exists(Path.Combine(ExecutedNotebook.Folder, image)), $"notebooks/{notebook} references {image}, which does not exist");
    }

    [Theory]
    [InlineData("01-value-drift-walkthrough.ipynb", "walkthrough-sft-supportive.png,walkthrough-dpo-standard.png,walkthrough-simpo-standard.png,walkthrough-ppo-standard.png")]
    [InlineData("02-value-gap.ipynb", "demo-value-gaps.png,demo-value-gap-support.png")]
    public void The_walkthrough_and_the_value_gap_notebook_show_their_charts_before_running(string notebook, string pngs)
    {
        var shown = Images(notebook).Select(i => Path.GetFileName(i.Image)).ToHashSet();
        Assert.All(pngs.Split(','), png => Assert.Contains(png, shown));
    }
}
