using System.CommandLine;
using ValueDrift.Errors;
using ValueDrift.Models;

namespace ValueDrift.Cli.Commands;

/// <summary>
/// <c>valuedrift merge --base DIR --adapter DIR --out DIR [--save-dtype bf16]</c>: folds a PEFT LoRA adapter into its
/// base (W + alpha/r·B·A, formed in float32) and writes a full Hugging Face folder — weights, config.json and the
/// base's tokenizer files — that transformers, vLLM and every command here load as a plain model.
/// </summary>
public sealed class MergeCommand : ICliCommand
{
    public Command Build(CliIO io)
    {
        var baseDir = new Option<string?>("--base") { Description = "base model folder (default: the adapter's base_model_name_or_path)" };
        var adapter = new Option<string>("--adapter") { Description = "PEFT adapter folder (adapter_config.json + adapter_model.safetensors)", Required = true };
        var output = new Option<string>("--out") { Description = "folder to write the merged model to", Required = true };
        var saveDtype = new Option<string?>("--save-dtype") { Description = "fp32, bf16 or fp16 (default: the base checkpoint's dtype)" };
        var cmd = new Command("merge", "Fold a LoRA adapter into its base model and write a full Hugging Face folder.") { baseDir, adapter, output, saveDtype };
        cmd.SetAction(r =>
        {
            string adapterDir = r.GetValue(adapter)!, outDir = r.GetValue(output)!;
            if (!LoraAdapter.IsAdapterFolder(adapterDir))
                throw new ConfigException(Path.Combine(adapterDir, LoraAdapter.ConfigFile), "(file)", "--adapter is not a PEFT adapter folder (no adapter_config.json)");
            string baseFolder = LoraAdapter.ResolveBase(adapterDir, r.GetValue(baseDir));
            foreach (var (name, dir) in new[] { ("--base", baseFolder), ("--adapter", adapterDir) })
                if (Path.GetFullPath(dir).TrimEnd('/') == Path.GetFullPath(outDir).TrimEnd('/'))
                    throw new ValueDriftException($"--out {outDir}: the same folder as {name}; write the merged model elsewhere");
            using var model = CausalLM.FromPretrained(adapterDir, baseDir: baseFolder);   // float32: the merge is exact there
            var dtype = r.GetValue(saveDtype) is { } text ? Checkpoint.ParseDType(text, "--save-dtype", "save-dtype") : model.DefaultSaveDType;
            model.SavePretrained(outDir, dtype);
            LoraAdapter.CopyTokenizerFiles(baseFolder, outDir);
            io.Err.WriteLine($"merged {adapterDir} (r = {model.Lora!.Rank}, alpha = {model.Lora.Alpha}, {string.Join(",", model.Lora.Targets)}) into {baseFolder} → {outDir} ({dtype})");
            return 0;
        });
        return cmd;
    }
}
