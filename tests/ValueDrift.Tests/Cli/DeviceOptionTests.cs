using ValueDrift.Errors;
using ValueDrift.Models;
using Xunit;

namespace ValueDrift.Tests.Cli;

/// <summary><c>--device</c> on every command: parsed once, refused clearly where the device does not exist.</summary>
[Trait("tier", "fast")]
public class DeviceOptionTests
{
    [Fact]
    public void CpuRunsAndAMissingCudaDeviceIsAClearError()
    {
        var model = Experiments.StageFixtures.TinyModelFolder();
        var cpu = CliRunner.Run("logits", "--model", model, "--ids", "5,17,3", "--device", "cpu");
        Assert.True(cpu.Code == 0, cpu.Err);
        Assert.Contains("\"logits\"", cpu.Out);

        if (TorchRuntime.DefaultDevice.type == TorchSharp.DeviceType.CUDA) return;   // a GPU machine: nothing to refuse
        var cuda = CliRunner.Run("logits", "--model", model, "--ids", "5,17,3", "--device", "cuda");
        Assert.Equal(2, cuda.Code);
        Assert.Contains("no CUDA device here", cuda.Err);
        Assert.Throws<ConfigException>(() => TorchRuntime.ParseDevice("tpu"));
        Assert.Throws<ConfigException>(() => TorchRuntime.ParseDevice("cuda:x"));
    }
}
