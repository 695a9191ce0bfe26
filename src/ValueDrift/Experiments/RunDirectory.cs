namespace ValueDrift.Experiments;

/// <summary>
/// The on-disk layout of a multi-stage run:
/// <code>
/// config.json                 what was run (options, world version, base model)
/// trace.jsonl                 one line per probe measurement (phase, step, topic, stance probabilities, n)
/// trace-likelihood.jsonl      the same for the likelihood probe, when it runs
/// stages/&lt;phase&gt;/            checkpoints/step-N/ (Hugging Face folders), metrics.jsonl, reference_logps.json
/// tables/*.csv                drift table, stance table, dataset profiles
/// report.html                 charts and tables
/// reward-models/&lt;key&gt;/       PPO reward models by content hash, shared by the run's stages (the KL sweep trains one)
/// </code>
/// Every file is appended line by line or replaced atomically, so a killed run can be resumed.
/// </summary>
public sealed class RunDirectory
{
    public string Root { get; }

    public RunDirectory(string root)
    {
        Root = Path.GetFullPath(root);
        Directory.CreateDirectory(Root);
    }

    public string ConfigPath => Path.Combine(Root, "config.json");
    public string TracePath => Path.Combine(Root, "trace.jsonl");
    public string LikelihoodTracePath => Path.Combine(Root, "trace-likelihood.jsonl");
    public string ReportPath => Path.Combine(Root, "report.html");
    public string TablesDirectory => Path.Combine(Root, "tables");
    public string DataDirectory => Path.Combine(Root, "data");
    public string StageDirectory(string phase) => Path.Combine(Root, "stages", phase);
    /// <summary>
    /// Locks the folder for this process's writes (<see cref="IO.WriterLock"/>) until disposed; a second process is
    /// refused at once with <see cref="Errors.WriterLockedException"/> naming this one's PID.
    /// </summary>
    public IO.WriterLock LockForWriting() => IO.WriterLock.Folder(Root, "run folder");

    public string RewardModelCacheDirectory => Path.Combine(Root, Training.Algorithms.RewardModelCache.FolderName);
}
