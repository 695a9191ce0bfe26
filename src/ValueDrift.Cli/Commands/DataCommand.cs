using System.CommandLine;
using ValueDrift.Data;
using ValueDrift.Errors;
using ValueDrift.Text;

namespace ValueDrift.Cli.Commands;

/// <summary>
/// <c>valuedrift data inspect FILE [--model DIR] [--last-turn-only]</c>: the look to take before training on a file —
/// its detected schema, rows read, bad rows (with the first reasons), and the first row rendered through the chat
/// template (the model folder's, else ChatML) with the trained tokens between ⟦ and ⟧.
/// </summary>
public sealed class DataCommand : ICliCommand
{
    public Command Build(CliIO io)
    {
        var file = new Argument<string>("FILE") { Description = "data file (.jsonl, .json or .parquet)" };
        var model = new Option<string?>("--model") { Description = "model folder whose tokenizer and chat template render the first row" };
        var lastTurn = new Option<bool>("--last-turn-only") { Description = "SFT: train only the last assistant answer of each conversation" };
        var inspect = new Command("inspect", "Detected schema, row count, bad rows and the first row as it will be trained.") { file, model, lastTurn };
        inspect.SetAction(r =>
        {
            ITokenizer? tokenizer = null;
            ChatTemplate? template = null;
            if (r.GetValue(model) is { } dir)
            {
                if (!Directory.Exists(dir)) throw new ConfigException(dir, "model", "model folder not found");
                tokenizer = TokenizerLoader.FromFolder(dir);
                template = ChatTemplate.ForModelFolder(dir, tokenizer);
            }
            var d = DataInspection.Inspect(r.GetValue(file)!, tokenizer, template, r.GetValue(lastTurn));
            var o = io.Out;
            o.WriteLine($"file: {d.File}");
            o.WriteLine($"schema: {d.Schema.Describe()}");
            o.WriteLine($"rows: {d.Rows} read, {d.BadRows} bad");
            foreach (var reason in d.BadReasons) o.WriteLine($"  bad: {reason}");
            if (d.FirstRow is null) throw new DataFormatException(d.File, null, null, $"no usable rows ({d.BadRows} bad)");
            var counts = d.FirstRowTokens is { } n ? $", {n} tokens, {d.FirstRowTrainedTokens} trained" : "";
            o.WriteLine($"first row (template {d.TemplateName}{counts}; trained text between {DataInspection.TrainedStart} and {DataInspection.TrainedEnd}):");
            o.WriteLine(d.FirstRow);
            return 0;
        });
        return new Command("data", "Look at data files.") { inspect };
    }
}
