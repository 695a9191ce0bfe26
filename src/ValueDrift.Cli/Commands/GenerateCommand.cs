using System.CommandLine;
using ValueDrift.Errors;
using ValueDrift.Models;

namespace ValueDrift.Cli.Commands;

/// <summary><c>valuedrift generate --model DIR --ids 1,2,3</c>: sample a continuation (token ids) with the KV cache.</summary>
public sealed class GenerateCommand : ICliCommand
{
    public Command Build(CliIO io)
    {
        var model = new Option<string>("--model") { Description = "Hugging Face model folder", Required = true };
        var ids = new Option<string?>("--ids") { Description = "prompt as comma-separated token ids" };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "tokens to generate", DefaultValueFactory = _ => 64 };
        var temperature = new Option<double>("--temperature") { Description = "0 = greedy", DefaultValueFactory = _ => 0.0 };
        var topP = new Option<double>("--top-p") { Description = "nucleus sampling mass", DefaultValueFactory = _ => 1.0 };
        var seed = new Option<long>("--seed") { DefaultValueFactory = _ => 0 };
        var cmd = new Command("generate", "Generate a continuation.") { model, ids, maxNew, temperature, topP, seed };
        cmd.SetAction(r =>
        {
            using var m = CausalLM.FromPretrained(r.GetValue(model)!);
            var prompt = r.GetValue(ids) is { } s ? LogitsCommand.ParseIds(s).Select(x => (int)x).ToArray()
                : throw new ValueDriftException("--ids is required for a model without a tokenizer");
            var o = new GenerationOptions
            {
                MaxNewTokens = r.GetValue(maxNew), Temperature = r.GetValue(temperature), TopP = r.GetValue(topP),
                Seed = r.GetValue(seed), StopTokenIds = m.Config.EosTokenIds,
            };
            var g = Generation.Generate(m, [prompt], o)[0];
            io.Out.WriteLine(string.Join(",", g.Tokens));
            return 0;
        });
        return cmd;
    }
}
