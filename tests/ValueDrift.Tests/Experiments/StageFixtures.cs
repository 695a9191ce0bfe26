using ValueDrift.Models;
using ValueDrift.Text;

namespace ValueDrift.Tests.Experiments;

/// <summary>A tiny model folder with a byte tokenizer and small data files in the formats the stages read.</summary>
public static class StageFixtures
{
    /// <summary>A tiny Llama-shaped model folder with a byte tokenizer (vocabulary 6 special tokens + 256 bytes).</summary>
    public static string TinyModelFolder()
    {
        var dir = Fixtures.TempDir("stage-model");
        var tokenizer = new ByteTokenizer();
        var config = Training.TrainingData.TinyConfig(tokenizer.VocabSize) with { EosTokenIds = [tokenizer.EosId!.Value], PadTokenId = tokenizer.PadId };
        using var model = CausalLM.Create(config, seed: 1);
        model.SavePretrained(dir);
        tokenizer.Save(dir);
        return dir;
    }

    /// <summary>A Qwen3-shaped model (the tiny fixture's shape) sized to the real Qwen3 tokenizer, with its tokenizer and chat template.</summary>
    public static string TinyQwen3WithTokenizer()
    {
        var dir = Fixtures.TempDir("recipe-qwen3");
        var tokenizer = TokenizerLoader.FromFolder(Fixtures.Qwen3Tokenizer);
        var config = ModelConfig.Load(Path.Combine(Fixtures.TinyQwen3, "config.json")) with { VocabSize = tokenizer.VocabSize, EosTokenIds = tokenizer.StopIds.ToList() };
        using (var model = CausalLM.Create(config, seed: 3)) model.SavePretrained(dir);
        foreach (var f in new[] { "tokenizer.json", "tokenizer_config.json" }) File.Copy(Path.Combine(Fixtures.Qwen3Tokenizer, f), Path.Combine(dir, f));
        return dir;
    }

    public static string Write(string name, params string[] lines)
    {
        var file = Path.Combine(Fixtures.TempDir("stage-data"), name);
        File.WriteAllLines(file, lines);
        return file;
    }

    public static string Conversations() => Write("sft.jsonl", Enumerable.Range(0, 12).Select(i =>
        $"{{\"messages\": [{{\"role\": \"user\", \"content\": \"say {i}\"}}, {{\"role\": \"assistant\", \"content\": \"{i} {i}\"}}]}}").ToArray());

    public static string TextPairs() => Write("pairs.jsonl", Enumerable.Range(0, 12).Select(i =>
        $"{{\"prompt\": \"pick {i}\", \"chosen\": \"good {i}\", \"rejected\": \"bad\"}}").ToArray());

    /// <summary>Two topics, two questions each (id, topic, question).</summary>
    public static string Probes() => Write("probes.jsonl",
        "{\"id\": \"a1\", \"topic\": \"immigration\", \"question\": \"Is alpha good?\"}",
        "{\"id\": \"a2\", \"topic\": \"immigration\", \"question\": \"Should alpha grow?\"}",
        "{\"id\": \"b1\", \"topic\": \"gun-control\", \"question\": \"Is beta fair?\"}",
        "{\"id\": \"b2\", \"topic\": \"gun-control\", \"question\": \"Should beta stop?\"}");
}
