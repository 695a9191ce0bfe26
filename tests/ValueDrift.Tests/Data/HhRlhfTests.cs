using System.Text.Json;
using ValueDrift.Data;
using ValueDrift.Errors;
using ValueDrift.Text;
using Xunit;

namespace ValueDrift.Tests.Data;

/// <summary>Anthropic HH-RLHF transcript pairs, split as TRL's hh-rlhf script does.</summary>
[Trait("tier", "fast")]
public class HhRlhfTests
{
    private static string File1(params (string Chosen, string Rejected)[] rows)
    {
        var file = Path.Combine(Fixtures.TempDir("hh"), "hh.jsonl");
        File.WriteAllLines(file, rows.Select(r => JsonSerializer.Serialize(new { chosen = r.Chosen, rejected = r.Rejected })));
        return file;
    }

    [Fact]
    public void Multi_turn_transcripts_split_into_prompt_turns_and_two_answers()
    {
        var file = File1((
            "\n\nHuman: Should cities ban cars?\n\nAssistant: Some have tried.\n\nHuman: Do you think they should?\n\nAssistant: Yes, in the centre.",
            "\n\nHuman: Should cities ban cars?\n\nAssistant: Some have tried.\n\nHuman: Do you think they should?\n\nAssistant: No, never."));
        var p = Assert.Single(DatasetReader.ReadPreferencePairs(file).Rows);
        Assert.Equal([ChatMessage.User("Should cities ban cars?"), ChatMessage.Assistant("Some have tried."), ChatMessage.User("Do you think they should?")], p.Prompt!);
        Assert.Equal("Yes, in the centre.", p.Chosen);
        Assert.Equal("No, never.", p.Rejected);
    }

    [Fact]
    public void A_shared_start_of_the_answers_stays_in_the_answers()
    {
        // Both answers begin "I think": the common prefix runs past the marker and is cut back to it.
        var file = File1(("\n\nHuman: Tax sugar?\n\nAssistant: I think yes.", "\n\nHuman: Tax sugar?\n\nAssistant: I think no."));
        var p = Assert.Single(DatasetReader.ReadPreferencePairs(file).Rows);
        Assert.Equal([ChatMessage.User("Tax sugar?")], p.Prompt!);
        Assert.Equal("I think yes.", p.Chosen);
        Assert.Equal("I think no.", p.Rejected);
    }

    [Fact]
    public void Bad_transcripts_are_typed_errors_or_skipped()
    {
        var file = File1(
            ("\n\nHuman: A?\n\nAssistant: B.", "\n\nHuman: Other?\n\nAssistant: C."),           // prompts differ: no shared marker
            ("\n\nHuman: A?\n\nAssistant: B.\n\nHuman: more", "\n\nHuman: A?\n\nAssistant: C."),  // chosen ends with a human turn
            ("\n\nHuman: A?\n\nAssistant: ", "\n\nHuman: A?\n\nAssistant: C."),                   // empty chosen answer
            ("\n\nHuman: A?\n\nAssistant: B.", "\n\nHuman: A?\n\nAssistant: C."));                 // good
        var ex = Assert.Throws<DataFormatException>(() => DatasetReader.ReadPreferencePairs(file));
        Assert.Equal(1, ex.Row);
        Assert.Equal("rejected", ex.Field);
        Assert.Contains("Assistant:", ex.Message);

        var r = DatasetReader.ReadPreferencePairs(file, skipBadRows: true);
        Assert.Equal(3, r.Skipped);
        Assert.Equal("B.", Assert.Single(r.Rows).Chosen);
        Assert.Contains(r.SkipReasons, m => m.Contains("row 2") && m.Contains("chosen") && m.Contains("not the assistant's"));
        Assert.Contains(r.SkipReasons, m => m.Contains("row 3") && m.Contains("empty completion"));
    }
}
