using System.CommandLine;
using ValueDrift.Errors;
using ValueDrift.Models;
using ValueDrift.Text;

namespace ValueDrift.Cli.Commands;

/// <summary>
/// <c>valuedrift generate --model DIR --prompt "..."</c>: the model's answer to a user message (chat template of the
/// model folder; <c>--raw</c> continues the text as is), sampled with the KV cache. <c>--ids 1,2,3</c> takes token ids
/// instead, for models without a tokenizer, and prints ids.
/// </summary>
public sealed class GenerateCommand : ICliCommand
{
    public Command Build(CliIO io)
    {
        var model = new Option<string>("--model") { Description = "Hugging Face model folder", Required = true };
        var prompt = new Option<string?>("--prompt") { Description = "a user message (needs tokenizer.json in the model folder)" };
        var raw = new Option<bool>("--raw") { Description = "continue --prompt as plain text, without the chat template" };
        var ids = new Option<string?>("--ids") { Description = "prompt as comma-separated token ids" };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "tokens to generate", DefaultValueFactory = _ => 64 };
        var temperature = new Option<double>("--temperature") { Description = "0 = greedy", DefaultValueFactory = _ => 0.0 };
        var topP = new Option<double>("--top-p") { Description = "nucleus sampling mass", DefaultValueFactory = _ => 1.0 };
        var seed = new Option<long>("--seed") { DefaultValueFactory = _ => 0 };
        var adapterBase = AdapterBaseOption.Create();
        var cmd = new Command("generate", "Generate a continuation.") { model, prompt, raw, ids, maxNew, temperature, topP, seed, adapterBase };
        cmd.SetAction(r =>
        {
            AdapterBaseOption.Apply(r, adapterBase);
            var dir = r.GetValue(model)!;
            if ((r.GetValue(prompt) is null) == (r.GetValue(ids) is null)) throw new ValueDriftException("give either --prompt or --ids");
            using var m = CausalLM.FromPretrained(dir);
            ITokenizer? tokenizer = r.GetValue(prompt) is null ? null : TokenizerLoader.FromFolder(dir);
            int[] input = tokenizer is null
                ? LogitsCommand.ParseIds(r.GetValue(ids)!).Select(x => (int)x).ToArray()
                : tokenizer.Encode(r.GetValue(raw) ? r.GetValue(prompt)! : ChatTemplate.ForModelFolder(dir, tokenizer).FormatPrompt([ChatMessage.User(r.GetValue(prompt)!)]));
            if (input.Length == 0 || input.Any(t => t < 0 || t >= m.Config.VocabSize))
                throw new ValueDriftException($"the prompt must be non-empty token ids in [0, {m.Config.VocabSize})");
            var o = new GenerationOptions
            {
                MaxNewTokens = r.GetValue(maxNew), Temperature = r.GetValue(temperature), TopP = r.GetValue(topP), Seed = r.GetValue(seed),
                StopTokenIds = tokenizer?.StopIds ?? m.Config.EosTokenIds, PadTokenId = tokenizer?.PadId ?? m.Config.PadTokenId ?? 0,
            };
            var g = Generation.Generate(m, [input], o)[0];
            io.Out.WriteLine(tokenizer is null ? string.Join(",", g.Tokens) : tokenizer.Decode(g.Tokens));
            return 0;
        });
        return cmd;
    }
}
