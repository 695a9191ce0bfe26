using System.Text.Json;
using ValueDrift.Tests.Models;
using Xunit;

namespace ValueDrift.Tests.Cli;

[Trait("tier", "fast")]
public class LogitsCommandTests
{
    [Theory]
    [InlineData("tiny-qwen3")]
    [InlineData("tiny-llama3")]
    public void PrintsReferenceLogitsAsJson(string fixture)
    {
        var reference = ReferenceLogits.Load(Fixtures.In(fixture));
        var (code, stdout, stderr) = CliRunner.Run("logits", "--model", Fixtures.In(fixture), "--ids", string.Join(",", reference.InputIds[1]));
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var rows = doc.RootElement.GetProperty("logits").EnumerateArray().ToArray();
        Assert.Equal(reference.InputIds[1].Length, rows.Length);
        for (int t = 0; t < rows.Length; t++)
        {
            var row = rows[t].EnumerateArray().Select(x => x.GetDouble()).ToArray();
            Assert.Equal(reference.Logits[1][t].Length, row.Length);
            for (int v = 0; v < row.Length; v++) Assert.True(Math.Abs(row[v] - reference.Logits[1][t][v]) < 1e-4);
        }
    }

    [Theory]
    [InlineData("5,x", "'x'")]
    [InlineData("5,100000", "[0, 101)")]
    [InlineData("", "no token ids")]
    public void BadIdsAreAClearError(string ids, string expected)
    {
        var (code, _, stderr) = CliRunner.Run("logits", "--model", Fixtures.TinyQwen3, "--ids", ids);
        Assert.Equal(2, code);
        Assert.Contains(expected, stderr);
    }

    [Fact]
    public void MissingModelFolderIsAClearError()
    {
        var (code, _, stderr) = CliRunner.Run("logits", "--model", "no-such-model", "--ids", "1,2");
        Assert.Equal(2, code);
        Assert.Contains("no-such-model", stderr);
    }
}

[Trait("tier", "fast")]
public class GenerateCommandTests
{
    [Fact]
    public void GreedyIdsEqualTheLibrarysGeneration()
    {
        var (code, stdout, stderr) = CliRunner.Run("generate", "--model", Fixtures.TinyQwen3, "--ids", "5,17,3", "--max-new-tokens", "6");
        Assert.True(code == 0, stderr);
        using var model = ValueDrift.Models.CausalLM.FromPretrained(Fixtures.TinyQwen3);
        var expected = ValueDrift.Models.Generation.Generate(model, [[5, 17, 3]], new ValueDrift.Models.GenerationOptions { MaxNewTokens = 6, StopTokenIds = model.Config.EosTokenIds })[0];
        Assert.Equal(string.Join(",", expected.Tokens), stdout.Trim());
    }

    [Fact]
    public void PromptIsAnsweredThroughTheTokenizerAndChatTemplate()
    {
        var dir = ValueDrift.Tests.Probes.ProbeModels.SaveByteModel("generate-prompt");
        var (code, stdout, stderr) = CliRunner.Run("generate", "--model", dir, "--prompt", "Is more immigration good?", "--max-new-tokens", "5");
        Assert.True(code == 0, stderr);
        var tokenizer = ValueDrift.Text.TokenizerLoader.FromFolder(dir);
        using var model = ValueDrift.Models.CausalLM.FromPretrained(dir);
        var ids = tokenizer.Encode(ValueDrift.Text.ChatTemplate.ForModelFolder(dir, tokenizer).FormatPrompt([ValueDrift.Text.ChatMessage.User("Is more immigration good?")]));
        var g = ValueDrift.Models.Generation.Generate(model, [ids], new ValueDrift.Models.GenerationOptions { MaxNewTokens = 5, StopTokenIds = tokenizer.StopIds, PadTokenId = tokenizer.PadId })[0];
        Assert.Equal(tokenizer.Decode(g.Tokens), stdout.TrimEnd('\n'));
        Assert.Equal(2, CliRunner.Run("generate", "--model", dir).Code);   // neither --prompt nor --ids
    }
}
