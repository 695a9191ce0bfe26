using System.Text.Json.Nodes;
using ValueDrift.Benchmarks;
using Xunit;

namespace ValueDrift.Tests.BenchmarkSuite;

[Trait("tier", "fast")]
public class BenchmarkJsonTests
{
    private static string[] Keys(JsonNode? node) => node!.AsObject().Select(p => p.Key).ToArray();

    [Fact]
    public void WritesExactlyTheSchemaOfEveryTarget()
    {
        var json = new BenchmarkJson();
        json.AddGeneration("d128 L4 V256", 256, 5.25);
        json.AddReference("d256 L4 B4 T256", 0.74);
        json.AddTraining("sft", "d512 L4 B4 T256", 1.1, 52.5);
        json.AddProbe("generation", 240.5, 100);
        json.AddProbe("likelihood", 1100, 32);
        json.SetDemo(30.5, new Dictionary<string, double> { ["training steps"] = 12.5, ["generation probe"] = 6 });
        var root = JsonNode.Parse(json.ToJson())!;

        Assert.Equal(["generation", "reference", "training", "probe", "demo", "loaded"], Keys(root));
        Assert.Null(root["loaded"]);   // measured idle only
        Assert.Equal(["model", "new_tokens", "speedup"], Keys(root["generation"]![0]));
        Assert.Equal(256, (int)root["generation"]![0]!["new_tokens"]!);
        Assert.Equal(["shape", "cached_over_live"], Keys(root["reference"]![0]));
        Assert.Equal(["step", "shape", "speed_vs_pytorch", "pct_of_matmul"], Keys(root["training"]![0]));
        Assert.Equal(52.5, (double)root["training"]![0]!["pct_of_matmul"]!);
        Assert.Equal(["method", "answers_per_second", "batch"], Keys(root["probe"]![1]));
        Assert.Equal("likelihood", (string)root["probe"]![1]!["method"]!);
        Assert.Equal(["seconds", "phases"], Keys(root["demo"]));
        Assert.Equal(12.5, (double)root["demo"]!["phases"]!["training steps"]!);
    }

    [Fact]
    public void SectionsThatDidNotRunAreEmptyAndOtherSectionsAddTheirOwnKey()
    {
        var json = new BenchmarkJson();
        json.Set("attribution", new JsonArray(new JsonObject { ["x"] = 1 }));
        var root = JsonNode.Parse(json.ToJson())!;
        Assert.Empty(root["training"]!.AsArray());
        Assert.Null(root["demo"]);
        Assert.Equal(1, (int)root["attribution"]![0]!["x"]!);
        Assert.Throws<ArgumentException>(() => json.Set("probe", new JsonArray()));
        Assert.Throws<ArgumentException>(() => json.Set("loaded", new JsonObject()));
    }

    [Fact]
    public void ARunUnderBackgroundLoadWritesTheLoadedFiguresWithTheSameSchemaBesideTheIdleOnes()
    {
        var json = new BenchmarkJson(measuresLoaded: true);
        json.For(Load.Idle).AddGeneration("d128 L4 V256", 256, 10.5);
        json.For(Load.OneCoreBusy).AddGeneration("d128 L4 V256", 256, 6.25);
        json.For(Load.OneCoreBusy).AddReference("d256 L4 B4 T256", 0.8);
        json.For(Load.OneCoreBusy).SetDemo(40, new Dictionary<string, double> { ["training steps"] = 20 });
        json.For(Load.OneCoreBusy).Set("quick_demo", BenchmarkJson.DemoObject(9, new Dictionary<string, double>()));
        var root = JsonNode.Parse(json.ToJson())!;

        Assert.Same(json, json.For(Load.Idle));
        Assert.Equal(10.5, (double)root["generation"]![0]!["speedup"]!);
        Assert.Empty(root["reference"]!.AsArray());
        Assert.Null(root["demo"]);
        var loaded = root["loaded"]!;
        Assert.Equal(["generation", "reference", "training", "probe", "demo", "quick_demo"], Keys(loaded));
        Assert.Equal(["model", "new_tokens", "speedup"], Keys(loaded["generation"]![0]));
        Assert.Equal(6.25, (double)loaded["generation"]![0]!["speedup"]!);
        Assert.Equal(0.8, (double)loaded["reference"]![0]!["cached_over_live"]!);
        Assert.Empty(loaded["training"]!.AsArray());
        Assert.Equal(40, (double)loaded["demo"]!["seconds"]!);
        Assert.Equal(9, (double)loaded["quick_demo"]!["seconds"]!);
    }

    [Fact]
    public void AnIdleOnlyRunHasNowhereToPutLoadedFigures()
    {
        var json = new BenchmarkJson();
        Assert.Null(json.Loaded);
        Assert.Throws<InvalidOperationException>(() => json.For(Load.OneCoreBusy));
    }

    [Fact]
    public void TheQuickDemoBesideTheOneSeedDemoHasTheDemoSchema()
    {
        var json = new BenchmarkJson();
        json.SetDemo(438.8, new Dictionary<string, double> { ["base-model pretraining"] = 104.2 });
        json.Set("quick_demo", BenchmarkJson.DemoObject(7.7, new Dictionary<string, double> { ["training steps"] = 3.7 }));
        var root = JsonNode.Parse(json.ToJson())!;
        Assert.Equal(438.8, (double)root["demo"]!["seconds"]!);
        Assert.Equal(["seconds", "phases"], Keys(root["quick_demo"]));
        Assert.Equal(3.7, (double)root["quick_demo"]!["phases"]!["training steps"]!);
    }

    [Fact]
    public void AFailedMeasurementIsNullNotAnInvalidNumber()
    {
        var json = new BenchmarkJson();
        json.AddGeneration("m", 256, double.NaN);
        Assert.Null(JsonNode.Parse(json.ToJson())!["generation"]![0]!["speedup"]);
    }
}
