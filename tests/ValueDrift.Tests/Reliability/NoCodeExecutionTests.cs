using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using ValueDrift.Errors;
using ValueDrift.Models;
using Xunit;

namespace ValueDrift.Tests.Reliability;

/// <summary>
/// Loading a model never runs code from its files: pickled weights (<c>.bin</c>, <c>.pt</c>, <c>.pth</c>,
/// <c>.ckpt</c>) are refused with advice on converting them, a folder holding both kinds loads the safetensors without
/// opening the pickle, and a shard index cannot smuggle a pickle in as a shard. "Without opening" is checked with a
/// named pipe in the pickle's place: opening it for reading would block until the time limit.
/// </summary>
[Trait("tier", "fast")]
public class NoCodeExecutionTests
{
    [DllImport("libc", SetLastError = true)]
    private static extern int mkfifo(string path, uint mode);

    /// <summary>A pickle that would run a shell command if anything unpickled it (protocol 0: os.system("touch marker")).</summary>
    private static byte[] MaliciousPickle(string marker) => Encoding.ASCII.GetBytes($"cos\nsystem\n(S'touch {marker}'\ntR.");

    private static string FolderWith(string name)
    {
        var dir = Fixtures.TempDir(name);
        File.Copy(Path.Combine(Fixtures.TinyQwen3, "config.json"), Path.Combine(dir, "config.json"));
        return dir;
    }

    private static void MakePipe(string path) => Assert.True(mkfifo(path, Convert.ToUInt32("644", 8)) == 0, $"mkfifo {path} failed: errno {Marshal.GetLastWin32Error()}");

    [Theory]
    [InlineData("pytorch_model.bin")]
    [InlineData("model.pt")]
    [InlineData("consolidated.pth")]
    [InlineData("last.ckpt")]
    public void Pickled_weights_are_refused_with_conversion_advice(string file)
    {
        var dir = FolderWith("pickle");
        var marker = Path.Combine(dir, "EXECUTED");
        File.WriteAllBytes(Path.Combine(dir, file), MaliciousPickle(marker));
        var e = Assert.Throws<CheckpointException>(() => CausalLM.FromPretrained(dir));
        Assert.Equal(Path.Combine(dir, file), e.File);
        Assert.Contains("can execute code", e.Message);
        Assert.Contains("safe_serialization=True", e.Message);
        Assert.Contains("safetensors.torch.save_file", e.Message);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void A_folder_with_both_loads_the_safetensors_and_never_opens_the_pickle()
    {
        var dir = FolderWith("both");
        File.Copy(Path.Combine(Fixtures.TinyQwen3, "model.safetensors"), Path.Combine(dir, "model.safetensors"));
        var pipe = Path.Combine(dir, "pytorch_model.bin");
        MakePipe(pipe);
        CausalLM? loaded = null;
        var outcome = Fuzz.RunOne(dir, d => loaded = CausalLM.FromPretrained(d), out var error, out _);
        if (outcome == Fuzz.Outcome.Hang) ReleasePipe(pipe);
        Assert.True(outcome == Fuzz.Outcome.Success, $"{outcome}: {error}");
        using var reference = CausalLM.FromPretrained(Fixtures.TinyQwen3);
        using (loaded)
        {
            var expected = reference.named_parameters().ToDictionary(p => p.name, p => p.parameter.data<float>().ToArray());
            foreach (var (name, p) in loaded!.named_parameters()) Assert.Equal(expected[name], p.data<float>().ToArray());
        }
    }

    [Theory]
    [InlineData("pytorch_model-00001-of-00002.bin")]
    [InlineData("model-00001-of-00002.pt")]
    public void A_shard_index_naming_a_pickle_is_refused_without_opening_it(string shard)
    {
        var dir = FolderWith("index-pickle");
        File.Copy(Path.Combine(Fixtures.TinyQwen3, "model.safetensors"), Path.Combine(dir, "model-00002-of-00002.safetensors"));
        var header = SafetensorsFile.Open(Path.Combine(dir, "model-00002-of-00002.safetensors"));
        var map = new JsonObject();
        foreach (var name in header.Entries.Keys.Order()) map[name] = "model-00002-of-00002.safetensors";
        map["model.embed_tokens.weight"] = shard;
        File.WriteAllText(Path.Combine(dir, Checkpoint.IndexFile), new JsonObject { ["metadata"] = new JsonObject(), ["weight_map"] = map }.ToJsonString());
        var pipe = Path.Combine(dir, shard);
        MakePipe(pipe);

        var outcome = Fuzz.RunOne(dir, d => CausalLM.FromPretrained(d).Dispose(), out var error, out _);
        if (outcome == Fuzz.Outcome.Hang) ReleasePipe(pipe);
        Assert.True(outcome == Fuzz.Outcome.Typed, $"{outcome}: {error}");
        var e = Assert.IsType<CheckpointException>(error);
        Assert.Contains(shard, e.Message);
        Assert.Contains("can execute code", e.Message);
    }

    /// <summary>Unblocks a reader stuck on the pipe (so a failing test does not leave a thread blocked forever).</summary>
    private static void ReleasePipe(string pipe)
    {
        try { using var w = new FileStream(pipe, FileMode.Open, FileAccess.Write); } catch (IOException) { }
    }
}
