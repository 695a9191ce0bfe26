namespace ValueDrift.Errors;

/// <summary>
/// Base of every error ValueDrift raises on bad input. Catch this to handle "the user gave us something wrong"
/// separately from bugs. Messages always name the file and the field (or tensor, or row) at fault.
/// </summary>
public class ValueDriftException : Exception
{
    public ValueDriftException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>A config.json (model, run or stage config) that is missing a field, has a wrong type, or an unsupported value.</summary>
public sealed class ConfigException : ValueDriftException
{
    public string File { get; }
    public string Field { get; }
    public ConfigException(string file, string field, string problem, Exception? inner = null)
        : base($"{file}: field '{field}': {problem}", inner) { File = file; Field = field; }
}

/// <summary>A weights file (safetensors or its shard index) that is truncated, lies about offsets, or does not match the model.</summary>
public sealed class CheckpointException : ValueDriftException
{
    public string File { get; }
    public string? Tensor { get; }
    public CheckpointException(string file, string? tensor, string problem, Exception? inner = null)
        : base(tensor is null ? $"{file}: {problem}" : $"{file}: tensor '{tensor}': {problem}", inner) { File = file; Tensor = tensor; }
}

/// <summary>A dataset, probe set, trace or tokenizer file with a malformed row or field.</summary>
public sealed class DataFormatException : ValueDriftException
{
    public string File { get; }
    public long? Row { get; }
    public string? Field { get; }
    public DataFormatException(string file, long? row, string? field, string problem, Exception? inner = null)
        : base($"{file}{(row is null ? "" : $": row {row}")}{(field is null ? "" : $": field '{field}'")}: {problem}", inner)
    { File = file; Row = row; Field = field; }
}

/// <summary>Training went wrong in a way the user must see: NaN/Inf loss, an all-masked batch, an invalid hyperparameter.</summary>
public sealed class TrainingException : ValueDriftException
{
    public TrainingException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>Another process is writing this run folder, stage folder or trace (it holds the folder's lock).</summary>
public sealed class WriterLockedException : ValueDriftException
{
    /// <summary>The folder or file being written.</summary>
    public string Target { get; }
    /// <summary>The PID of the process writing it, when it could be read.</summary>
    public int? HolderPid { get; }
    public WriterLockedException(string target, string what, int? holderPid, Exception? inner = null)
        : base($"{target}: this {what} is being written by another process ({(holderPid is { } p ? $"PID {p}" : "PID unknown")}); " +
               "wait for it to finish or stop it, then run again", inner)
    { Target = target; HolderPid = holderPid; }
}

/// <summary>An endpoint's reply larger than the cap (<c>Probes.ResponseSizeLimit</c>): refused before it is held in memory.</summary>
public sealed class ResponseTooLargeException : ValueDriftException
{
    /// <summary>The URL that replied.</summary>
    public string Endpoint { get; }
    public long LimitBytes { get; }
    /// <param name="size">The size when the reply declared it ("52,428,800 bytes"); null when it was counted while read.</param>
    public ResponseTooLargeException(string endpoint, long limitBytes, string? size)
        : base($"{endpoint}: the reply{(size is null ? "" : $" of {size}")} exceeds the {limitBytes / (double)(1 << 20):0.##} MiB a reply may hold " +
               "(MaxResponseBytes; an endpoint gone wrong?)")
    { Endpoint = endpoint; LimitBytes = limitBytes; }
}

/// <summary>
/// A model folder whose tokenizer can produce ids past the model's embedding rows (config.json <c>vocab_size</c>):
/// those ids would index outside the embedding, so the folder is refused when its tokenizer is loaded, before any
/// forward pass.
/// </summary>
public sealed class VocabularyMismatchException : ValueDriftException
{
    public string Folder { get; }
    /// <summary>One past the largest id the tokenizer can produce.</summary>
    public int TokenizerIds { get; }
    /// <summary>The model's embedding rows (vocab_size).</summary>
    public int EmbeddingRows { get; }
    public VocabularyMismatchException(string folder, int tokenizerIds, int embeddingRows)
        : base($"{folder}: the tokenizer's ids run to {tokenizerIds - 1} ({tokenizerIds} ids) but the model has {embeddingRows} embedding rows " +
               $"(config.json vocab_size {embeddingRows}): ids from {embeddingRows} up would index past the embedding; give the folder the tokenizer the model was built with")
    { Folder = folder; TokenizerIds = tokenizerIds; EmbeddingRows = embeddingRows; }
}
