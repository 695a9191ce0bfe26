namespace ValueDrift.World;

/// <summary>
/// What one written dataset contains: its file, the paper dataset it stands in for, row counts and its measured
/// stance profile. SFT and pretraining sets fill <see cref="Stances"/>; preference sets fill
/// <see cref="Chosen"/>, <see cref="Rejected"/> and <see cref="ValueGap"/>.
/// </summary>
public sealed record WorldDatasetProfile(
    string Name,
    string File,
    string Analogue,
    int Rows,
    int ValueRows,
    int InstructionRows,
    WorldStanceProfile? Stances = null,
    WorldStanceProfile? Chosen = null,
    WorldStanceProfile? Rejected = null,
    WorldValueGap? ValueGap = null);

/// <summary>The measured profile of a whole generated world: what <c>profile.json</c> holds.</summary>
public sealed record WorldProfile(string Version, int Seed, IReadOnlyList<string> Topics, IReadOnlyList<WorldDatasetProfile> Datasets)
{
    public WorldDatasetProfile this[string name] =>
        Datasets.FirstOrDefault(d => d.Name == name) ?? throw new KeyNotFoundException($"no dataset '{name}' in the world profile");
}
