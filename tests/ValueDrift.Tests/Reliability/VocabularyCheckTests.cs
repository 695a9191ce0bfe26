using ValueDrift.Errors;
using ValueDrift.Models;
using ValueDrift.Tests.Cli;
using ValueDrift.Tests.Training;
using ValueDrift.Text;
using Xunit;

namespace ValueDrift.Tests.Reliability;

/// <summary>
/// A model folder whose tokenizer has more ids than the model has embedding rows (config.json vocab_size) is refused
/// when its tokenizer is loaded, naming both numbers and the folder, before any forward pass could index past the embedding.
/// </summary>
[Trait("tier", "fast")]
public class VocabularyCheckTests
{
    private static string Folder(int vocab)
    {
        var dir = Fixtures.TempDir("vocab-check");
        using (var model = CausalLM.Create(TrainingData.TinyConfig(vocab), seed: 1)) model.SavePretrained(dir);
        new ByteTokenizer().Save(dir);
        return dir;
    }

    [Fact]
    public void A_tokenizer_with_more_ids_than_the_embedding_is_refused_naming_both_numbers_and_the_folder()
    {
        int ids = new ByteTokenizer().VocabSize;   // 262: 6 specials + 256 bytes
        var dir = Folder(ids - 1);
        var e = Assert.Throws<VocabularyMismatchException>(() => TokenizerLoader.FromFolder(dir));
        Assert.Equal((ids, ids - 1), (e.TokenizerIds, e.EmbeddingRows));
        Assert.Contains(Path.GetFullPath(dir), e.Message);
        Assert.Contains($"{ids} ids", e.Message);
        Assert.Contains($"{ids - 1} embedding rows", e.Message);

        // Through a command: one line, exit 2, no generation.
        var (code, stdout, err) = CliRunner.Run("generate", "--model", dir, "--prompt", "hi", "--max-new-tokens", "2");
        Assert.Equal(2, code);
        Assert.Contains($"{ids - 1} embedding rows", err);
        Assert.Empty(stdout);
    }

    [Fact]
    public void An_embedding_at_least_as_large_as_the_tokenizer_loads()
    {
        int ids = new ByteTokenizer().VocabSize;
        Assert.Equal(ids, TokenizerLoader.FromFolder(Folder(ids)).VocabSize);
        Assert.Equal(ids, TokenizerLoader.FromFolder(Folder(ids + 10)).VocabSize);   // padded embeddings (Qwen3's 151,936 rows for 151,669 ids) are fine
    }
}
