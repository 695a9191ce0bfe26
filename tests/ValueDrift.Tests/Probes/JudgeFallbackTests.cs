#pragma warning disable OPENAI001 // OpenAIChatModelFactory is marked for evaluation; fine for building test responses
using Microsoft.Extensions.AI;
using OpenAI.Chat;
using ValueDrift.Probes;
using Xunit;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;

namespace ValueDrift.Tests.Probes;

/// <summary>An endpoint reply whose log-probs cannot be used falls back to its parsed label, and says so.</summary>
[Trait("tier", "fast")]
public class JudgeFallbackTests
{
    private static ChatResponse Reply(string text, string token, float logProb, params (string Token, float LogProb)[] top)
    {
        var tops = top.Select(t => OpenAIChatModelFactory.ChatTokenTopLogProbabilityDetails(t.Token, t.LogProb, null)).ToList();
        var first = OpenAIChatModelFactory.ChatTokenLogProbabilityDetails(token, logProb, null, tops);
        var completion = OpenAIChatModelFactory.ChatCompletion(id: "c", role: ChatMessageRole.Assistant,
            content: new ChatMessageContent(text), contentTokenLogProbabilities: [first]);
        return new ChatResponse(new AiChatMessage(ChatRole.Assistant, text)) { RawRepresentation = completion };
    }

    [Fact]
    public void An_empty_top_list_is_read_from_the_text_not_as_uniform()
    {
        var judge = new ChatEndpointJudge(new FakeChatClient((_, _) => Reply("oppose", "oppose", -0.01f)));
        var reading = judge.Read(new JudgeItem("t", "Should X?", "No."));
        Assert.Equal(JudgeReadout.Text, reading.Readout);
        Assert.Equal(0.98, reading.Distribution.Oppose, 12);
    }

    [Fact]
    public void One_letter_alternatives_are_not_labels()
    {
        // Only "s" and "o" among the alternatives: no usable label token, so the parsed reply decides.
        var judge = new ChatEndpointJudge(new FakeChatClient((_, _) => Reply("support", "s", -0.1f, ("s", -0.1f), ("o", -2.5f))));
        var reading = judge.Read(new JudgeItem("t", "Should X?", "Yes."));
        Assert.Equal(JudgeReadout.Text, reading.Readout);
        Assert.Equal(0.98, reading.Distribution.Support, 12);
    }
}
