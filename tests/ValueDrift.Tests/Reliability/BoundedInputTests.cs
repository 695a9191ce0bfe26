using System.Text.Json;
using System.Text.Json.Nodes;
using ValueDrift.Errors;
using ValueDrift.Models;
using ValueDrift.Tests.Cli;
using ValueDrift.Tests.Probes;
using ValueDrift.Text;
using Xunit;
using static TorchSharp.torch;

namespace ValueDrift.Tests.Reliability;

/// <summary>
/// Inputs that used to pass silently or escape as a stack trace: a shard index of the wrong shape, a non-positive
/// rope_theta or rms_norm_eps, token ids out of range, non-finite logits (not JSON), and an error no one foresaw
/// (one line, exit 1; the stack only under --verbose).
/// </summary>
[Trait("tier", "fast")]
public class BoundedInputTests
{
    private static string TinyCopy(string name)
    {
        var dir = Fixtures.TempDir(name);
        foreach (var f in Directory.GetFiles(Fixtures.TinyQwen3)) File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        return dir;
    }

    [Theory]
    [InlineData("[1,2]", "expected a JSON object with a 'weight_map', got array")]
    [InlineData("{\"weight_map\": [1]}", "'weight_map' must be an object of tensor → shard file, got array")]
    [InlineData("7", "expected a JSON object with a 'weight_map', got number")]
    public void A_shard_index_of_the_wrong_shape_is_one_typed_line(string index, string expected)
    {
        var dir = TinyCopy("bad-index");
        File.Delete(Path.Combine(dir, Checkpoint.SingleFile));
        File.WriteAllText(Path.Combine(dir, Checkpoint.IndexFile), index);
        var (code, _, err) = CliRunner.Run("logits", "--model", dir, "--ids", "1");
        Assert.Equal(2, code);
        Assert.Equal($"error: {Path.Combine(dir, Checkpoint.IndexFile)}: {expected}", err.Trim());
    }

    [Theory]
    [InlineData("rope_theta", -1)]
    [InlineData("rope_theta", 0)]
    [InlineData("rms_norm_eps", 0)]
    [InlineData("rms_norm_eps", -1e-6)]
    public void Non_positive_rope_theta_and_rms_norm_eps_are_refused(string field, double value)
    {
        var dir = TinyCopy("bad-config");
        var path = Path.Combine(dir, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        config[field] = value;
        File.WriteAllText(path, config.ToJsonString());
        var e = Assert.Throws<ConfigException>(() => ModelConfig.Load(path));
        Assert.Equal(field, e.Field);
        Assert.Contains("must be a positive number", e.Message);
    }

    [Theory]
    [InlineData(-5)]
    [InlineData(int.MaxValue)]
    public void Token_ids_out_of_range_are_refused(int id)
    {
        var dir = Fixtures.TempDir("bad-token-id");
        foreach (var f in Directory.GetFiles(Fixtures.Qwen3Tokenizer)) File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        var path = Path.Combine(dir, "tokenizer.json");
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        json["model"]!["vocab"]!["hello-out-of-range"] = id;
        File.WriteAllText(path, json.ToJsonString());
        var e = Assert.Throws<DataFormatException>(() => TokenizerLoader.FromFolder(dir));
        Assert.Contains($"id {id} is outside", e.Message);
    }

    [Fact]
    public void Non_finite_logits_are_written_as_null_with_a_warning()
    {
        var dir = Fixtures.TempDir("nan-logits");
        using (var model = ProbeModels.ByteModel(3))
        {
            using (no_grad()) model.parameters().Last().fill_(double.NaN);   // the final norm or head: every logit NaN
            model.SavePretrained(dir);
        }
        new ByteTokenizer().Save(dir);
        var (code, stdout, err) = CliRunner.Run("logits", "--model", dir, "--ids", "1,2");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(stdout);   // valid JSON
        var rows = doc.RootElement.GetProperty("logits").EnumerateArray().ToList();
        Assert.Equal(2, rows.Count);
        Assert.All(rows.SelectMany(r => r.EnumerateArray()), x => Assert.Equal(JsonValueKind.Null, x.ValueKind));
        Assert.Contains("warning: ", err);
        Assert.Contains("written as null", err);
    }

    /// <summary>A stdout that fails as a closed pipe does: an IOException no command expects.</summary>
    private sealed class BrokenPipe : TextWriter
    {
        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;
        public override void Write(char value) => throw new IOException("Broken pipe");
        public override void Write(string? value) => throw new IOException("Broken pipe");
        public override void WriteLine(string? value) => throw new IOException("Broken pipe");
    }

    [Fact]
    public void An_unexpected_error_is_one_line_and_its_stack_only_under_verbose()
    {
        var trace = Path.Combine(Fixtures.TempDir("unexpected"), "trace.jsonl");
        File.WriteAllText(trace, """{"phase":"sft","step":0,"topic":"immigration","support":0.2,"neutral":0.4,"oppose":0.4,"n":10}""" + "\n");
        var err = new StringWriter();
        int code = ValueDrift.Cli.CliApp.Run(["drift", "--trace", trace], new BrokenPipe(), err);
        Assert.Equal(1, code);
        var lines = err.ToString().Trim().Split('\n');
        Assert.Single(lines);
        Assert.StartsWith("error: IOException: Broken pipe", lines[0]);
        Assert.Contains("--verbose", lines[0]);

        err = new StringWriter();
        code = ValueDrift.Cli.CliApp.Run(["drift", "--trace", trace, "--verbose"], new BrokenPipe(), err);
        Assert.Equal(1, code);
        Assert.Contains("   at ", err.ToString());
    }

    private static string Safetensors(string header, int dataBytes)
    {
        var file = Path.Combine(Fixtures.TempDir("safetensors-header"), "model.safetensors");
        var h = System.Text.Encoding.UTF8.GetBytes(header);
        File.WriteAllBytes(file, [.. BitConverter.GetBytes((ulong)h.Length), .. h, .. new byte[dataBytes]]);
        return file;
    }

    [Fact]
    public void A_safetensors_header_naming_a_tensor_twice_or_leaving_bytes_unheld_is_refused()
    {
        const string A = "\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}";
        const string B = "\"b\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [12, 16]}";
        Assert.Single(SafetensorsFile.Open(Safetensors("{" + A + "}", 8)).Entries);   // the honest file loads

        var twice = Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(Safetensors("{" + A + ", " + A + "}", 8)));
        Assert.Equal("a", twice.Tensor);
        Assert.Contains("appears twice", twice.Message);
        Assert.Contains("4 byte(s) after the last tensor", Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(Safetensors("{" + A + "}", 12))).Message);
        Assert.Contains("leaves bytes [8, 12) that no tensor holds", Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(Safetensors("{" + A + ", " + B + "}", 16))).Message);
    }
}
