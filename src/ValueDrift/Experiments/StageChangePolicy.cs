namespace ValueDrift.Experiments;

/// <summary>What <see cref="StageRunner"/> does when a stage's folder holds a different stage (its stage.json differs).</summary>
public enum StageChangePolicy
{
    /// <summary>Stop with a <see cref="Errors.ConfigException"/> naming every field that changed (default).</summary>
    Refuse,
    /// <summary>Run the changed stage in a new folder and phase, "&lt;name&gt;.2" (or .3, …), leaving the old one as it is.</summary>
    NewFolder,
}
