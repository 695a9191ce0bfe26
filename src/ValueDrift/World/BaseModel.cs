using System.Text.Json;
using ValueDrift.Data;
using ValueDrift.Models;
using ValueDrift.Text;
using ValueDrift.Training;
using ValueDrift.Training.Objectives;

namespace ValueDrift.World;

/// <summary>
/// The world's base model: pretrained once per (world version, world options, recipe) and cached as a Hugging Face
/// folder (config.json, model.safetensors, tokenizer.json, recipe.json). Re-creatable exactly: the same key trains to
/// the same weights.
/// </summary>
public static class BaseModel
{
    public const string RecipeFile = "recipe.json";

    /// <summary>Default cache: $VALUEDRIFT_CACHE, else ~/.cache/valuedrift.</summary>
    public static string DefaultCacheRoot =>
        Environment.GetEnvironmentVariable("VALUEDRIFT_CACHE") is { Length: > 0 } c ? c
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "valuedrift");

    /// <summary>The cached base model's folder, training it first when it is not there.</summary>
    public static string GetOrTrain(WorldOptions world, BaseModelRecipe recipe, string? cacheRoot = null, IProgress<TrainingProgress>? progress = null)
    {
        var dir = Path.Combine(cacheRoot ?? DefaultCacheRoot, "base-models", recipe.Key(world));
        bool Ready() => File.Exists(Path.Combine(dir, RecipeFile)) && File.Exists(Path.Combine(dir, Checkpoint.SingleFile));
        if (Ready()) return dir;
        // Two processes (two notebooks, a notebook and the demo) may want the same model at once: one trains, the
        // other waits for it, instead of both training and replacing each other's folder.
        using var gate = AcquireLock(dir + ".lock");
        if (!Ready()) Train(world, recipe, dir, progress);
        return dir;
    }

    private static FileStream AcquireLock(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var wait = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try { return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose); }
            catch (IOException) when (wait.Elapsed < TimeSpan.FromMinutes(30)) { Thread.Sleep(500); }
        }
    }

    /// <summary>Pretrains from scratch into <paramref name="dir"/> (written under a temporary name, then renamed).</summary>
    public static void Train(WorldOptions world, BaseModelRecipe recipe, string dir, IProgress<TrainingProgress>? progress = null)
    {
        var tokenizer = new ByteTokenizer();
        var corpus = Corpus(WorldDatasets.Build(world).Pretrain, recipe, tokenizer);
        var config = recipe.ModelConfig(tokenizer.VocabSize, tokenizer.BosId!.Value, tokenizer.EosId!.Value, tokenizer.PadId);
        using var model = CausalLM.Create(config, recipe.Seed);
        var options = new TrainerOptions
        {
            MaxSteps = recipe.Steps, BatchSize = recipe.BatchSize, LearningRate = recipe.LearningRate, WarmupSteps = recipe.WarmupSteps,
            Decay = LearningRateDecay.Cosine, MinLearningRateRatio = 0.1, Seed = recipe.Seed, WeightDecay = 0.01,
        };
        using var trainer = new TrainingLoop(new SftObjective(model, corpus, tokenizer.PadId, trainOnPrompt: true), options) { Progress = progress };
        trainer.Run();

        var parent = Path.GetDirectoryName(Path.GetFullPath(dir))!;
        Directory.CreateDirectory(parent);
        var tmp = Path.Combine(parent, "." + Path.GetFileName(dir) + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");
        model.SavePretrained(tmp);
        tokenizer.Save(tmp);
        var meta = new { world_version = WorldSpec.Version, world, recipe, final_loss = trainer.History[^1].Metrics["loss"], parameters = model.ParameterCount };
        IO.AtomicFile.WriteAllText(Path.Combine(tmp, RecipeFile), JsonSerializer.Serialize(meta, new JsonSerializerOptions { WriteIndented = true }));
        if (Directory.Exists(dir)) Directory.Delete(dir, true);
        Directory.Move(tmp, dir);
    }

    /// <summary>
    /// Pretraining sequences: each corpus line as bytes + end-of-sequence, all tokens in the loss. A seeded share of
    /// the question–answer lines is written in the plain chat format the later stages use.
    /// </summary>
    public static List<TokenizedExample> Corpus(IReadOnlyList<WorldTextLine> lines, BaseModelRecipe recipe, ByteTokenizer tokenizer)
    {
        var template = new PlainChatTemplate();
        var rng = Common.Seeds.Random(recipe.Seed, 77);
        var result = new List<TokenizedExample>(lines.Count);
        foreach (var line in lines)
        {
            string text = line.Text;
            int split = text.IndexOf(" A: ", StringComparison.Ordinal);
            if (text.StartsWith("Q: ", StringComparison.Ordinal) && split > 0 && rng.NextDouble() < recipe.ChatFormatFraction)
            {
                var question = text[3..split];
                var answer = text[(split + 4)..];
                var prompt = tokenizer.Encode(template.FormatPrompt([ChatMessage.User(question)]));
                result.Add(new TokenizedExample([], [.. prompt, .. tokenizer.Encode(template.FormatCompletion(answer))]));
            }
            else result.Add(new TokenizedExample([], [.. tokenizer.Encode(text), tokenizer.EosId!.Value]));
        }
        return result;
    }
}
