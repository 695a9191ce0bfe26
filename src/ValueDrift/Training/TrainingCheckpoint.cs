using System.Text.Json;
using System.Text.Json.Nodes;
using ValueDrift.Errors;
using ValueDrift.Models;

namespace ValueDrift.Training;

/// <summary>
/// A training checkpoint: <c>checkpoints/step-N/</c> holding the policy as a Hugging Face folder (config.json,
/// model.safetensors in the save dtype, the tokenizer files copied from the source model) — or, for a LoRA policy, as
/// a PEFT adapter folder (adapter_config.json, adapter_model.safetensors) — <c>optimizer.bin</c> (AdamW moments, in
/// TorchSharp's own format; left out when <see cref="PolicyOptions.SaveOptimizer"/> is off), <c>trainable.safetensors</c>
/// (the trained weights in float32, only when the saved weights are narrower: bf16 master weights, or a bf16 save of
/// float32 training) and <c>trainer_state.json</c>. The folder is written under a temporary name and renamed
/// when complete, so a killed run never leaves a half checkpoint that looks whole. Scheduler and data position are
/// functions of the step, so the step is all the loop state there is.
/// </summary>
public static class TrainingCheckpoint
{
    public const string StateFile = "trainer_state.json";
    public const string OptimizerFile = "optimizer.bin";
    public const string ExactWeightsFile = "trainable.safetensors";
    private static readonly string[] ModelAssets = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json", "chat_template.jinja"];

    public static string FolderFor(string runDirectory, int step) => Path.Combine(runDirectory, "checkpoints", $"step-{step}");

    /// <summary>
    /// Saves a checkpoint of the training loop, whatever its step (an objective's, or PPO with its value model):
    /// <paramref name="saveExtras"/> writes whatever else the loop needs into the (temporary) folder.
    /// </summary>
    /// <param name="masters">bf16 training's float32 master weights, saved as the exact trained weights.</param>
    public static string Save(string runDirectory, int step, string objectiveName, CausalLM policy, Action<string> saveExtras,
        TorchSharp.torch.optim.Optimizer optimizer, TrainerOptions options, string? assetsFrom, PolicyOptions? policyOptions = null, MasterWeights? masters = null)
    {
        policyOptions ??= new PolicyOptions();
        var final = FolderFor(runDirectory, step);
        var tmp = Path.Combine(runDirectory, "checkpoints", $".step-{step}.{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(tmp);
            var saveType = policyOptions.SaveScalarType ?? policy.DefaultSaveDType;
            if (policy.Lora is not null) policy.SaveAdapter(tmp);
            else policy.SavePretrained(tmp, saveType);
            var trained = policy.named_parameters().Where(p => p.parameter.requires_grad).ToList();
            if (masters is not null)
                SafetensorsFile.Write(Path.Combine(tmp, ExactWeightsFile), masters.Named.Select(m => (m.Name, (TorchSharp.torch.Tensor)m.Master)));
            else if (policy.Lora is null && trained.Any(p => Narrower(saveType, p.parameter.dtype)))
                using (TorchSharp.torch.no_grad())
                    SafetensorsFile.Write(Path.Combine(tmp, ExactWeightsFile), trained.Select(p => (p.name, p.parameter.detach().to(TorchSharp.torch.ScalarType.Float32))));
            saveExtras(tmp);
            if (assetsFrom is not null)
                foreach (var name in ModelAssets)
                    if (File.Exists(Path.Combine(assetsFrom, name)) && !File.Exists(Path.Combine(tmp, name))) File.Copy(Path.Combine(assetsFrom, name), Path.Combine(tmp, name));
            if (policyOptions.SaveOptimizer)
                IO.AtomicFile.Write(Path.Combine(tmp, OptimizerFile), s => { using var w = new BinaryWriter(s, System.Text.Encoding.UTF8, leaveOpen: true); ((TorchSharp.Modules.OptimizerHelper)optimizer).save_state_dict(w); });
            var state = new JsonObject
            {
                ["objective"] = objectiveName, ["step"] = step, ["max_steps"] = options.MaxSteps, ["seed"] = options.Seed,
                ["saved_utc"] = DateTime.UtcNow.ToString("O"),
            };
            IO.AtomicFile.WriteAllText(Path.Combine(tmp, StateFile), state.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            if (Directory.Exists(final)) Directory.Delete(final, recursive: true);   // an identical re-save after resume
            Directory.Move(tmp, final);
            return final;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(tmp);
            throw new TrainingException($"could not write checkpoint {final}: {e.Message} (earlier checkpoints are intact)", e);
        }
        catch { TryDelete(tmp); throw; }
    }

    /// <summary>
    /// Opens a run folder at the start of a training loop: creates it, removes half-written checkpoints a killed run
    /// left, and with <paramref name="resume"/> restores the newest complete checkpoint through
    /// <paramref name="restore"/>. Returns the step to continue from (0 for a fresh run or no run folder).
    /// </summary>
    public static int Begin(string? runDirectory, bool resume, Func<string, int> restore)
    {
        if (runDirectory is null) return 0;
        Directory.CreateDirectory(runDirectory);
        Tidy(runDirectory, 0);
        return resume && Latest(runDirectory) is { } latest ? restore(latest.Directory) : 0;
    }

    /// <summary>The newest complete checkpoint of a run (one whose trainer_state.json exists), or null.</summary>
    public static (int Step, string Directory)? Latest(string runDirectory)
    {
        var root = Path.Combine(runDirectory, "checkpoints");
        if (!Directory.Exists(root)) return null;
        return Directory.EnumerateDirectories(root, "step-*")
            .Select(d => (Ok: int.TryParse(Path.GetFileName(d)["step-".Length..], out int s), Step: s, Dir: d))
            .Where(x => x.Ok && File.Exists(Path.Combine(x.Dir, StateFile)))
            .OrderByDescending(x => x.Step)
            .Select(x => ((int Step, string Directory)?)(x.Step, x.Dir))
            .FirstOrDefault();
    }

    /// <summary>
    /// Loads a checkpoint written by <see cref="Save"/> into a live policy, its extras, bf16 masters and optimizer.
    /// Returns the step; <paramref name="optimizerRestored"/> is false for a checkpoint saved without optimizer state.
    /// </summary>
    public static int Restore(string directory, string objectiveName, CausalLM policy, Action<string> loadExtras, TorchSharp.torch.optim.Optimizer optimizer,
        MasterWeights? masters, out bool optimizerRestored)
    {
        var stateFile = Path.Combine(directory, StateFile);
        JsonNode? state;
        try { state = JsonNode.Parse(File.ReadAllText(stateFile)); }
        catch (JsonException e) { throw new CheckpointException(stateFile, null, "not valid JSON: " + e.Message, e); }
        if (state?["objective"]?.GetValue<string>() is { } name && name != objectiveName)
            throw new CheckpointException(stateFile, null, $"checkpoint was written by a '{name}' run, not '{objectiveName}'");
        int step = state?["step"]?.GetValue<int>() ?? throw new CheckpointException(stateFile, null, "missing 'step'");
        if (LoraAdapter.IsAdapterFolder(directory)) policy.LoadAdapter(directory);
        else Checkpoint.LoadWeights(policy, directory);
        var exact = Path.Combine(directory, ExactWeightsFile);
        if (File.Exists(exact))
        {
            var file = SafetensorsFile.Open(exact);
            var targets = masters is not null ? masters.Named.ToList() : policy.named_parameters().Where(p => p.parameter.requires_grad).Select(p => (p.name, p.parameter)).ToList();
            using (TorchSharp.torch.no_grad())
                foreach (var (tensor, p) in targets)
                {
                    if (!file.Entries.ContainsKey(tensor)) throw new CheckpointException(exact, tensor, "missing: the checkpoint's trained weights do not match this run's");
                    using var t = file.Read(tensor);
                    p.copy_(t);
                }
            if (masters is not null) masters.MasterToModel();
        }
        else masters?.ModelToMaster();
        loadExtras(directory);
        var optimizerFile = Path.Combine(directory, OptimizerFile);
        optimizerRestored = File.Exists(optimizerFile);
        if (optimizerRestored)
            using (var r = new BinaryReader(File.OpenRead(optimizerFile)))
                ((TorchSharp.Modules.OptimizerHelper)optimizer).load_state_dict(r);
        return step;
    }

    /// <summary>Whether weights saved as <paramref name="saved"/> lose precision of weights held as <paramref name="held"/>.</summary>
    private static bool Narrower(TorchSharp.torch.ScalarType saved, TorchSharp.torch.ScalarType held) =>
        saved != held && held is TorchSharp.torch.ScalarType.Float32 or TorchSharp.torch.ScalarType.Float64;

    /// <summary>Removes half-written checkpoint folders left by a killed run, and checkpoints beyond <paramref name="keep"/>.</summary>
    public static void Tidy(string runDirectory, int keep)
    {
        var root = Path.Combine(runDirectory, "checkpoints");
        if (!Directory.Exists(root)) return;
        foreach (var d in Directory.EnumerateDirectories(root, ".step-*.tmp")) TryDelete(d);
        if (keep <= 0) return;
        var complete = Directory.EnumerateDirectories(root, "step-*")
            .Select(d => (Dir: d, Step: int.TryParse(Path.GetFileName(d)[5..], out int s) ? s : -1)).Where(x => x.Step >= 0)
            .OrderByDescending(x => x.Step).Skip(keep);
        foreach (var (dir, _) in complete) TryDelete(dir);
    }

    private static void TryDelete(string dir)
    {
        try { if (Directory.Exists(dir)) Directory.Delete(dir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
