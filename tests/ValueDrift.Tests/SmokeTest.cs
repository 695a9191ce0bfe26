using Xunit;
public class SmokeTest { [Fact] public void TorchLoads() => Assert.Equal(4f, TorchSharp.torch.ones(2, 2).sum().item<float>()); }
