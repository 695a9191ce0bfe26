namespace ValueDrift.Training.Algorithms;

/// <summary>
/// One option of <c>valuedrift train NAME</c>, declared by its record (<see cref="Algorithm.CommandLine"/>): the flag,
/// the setting it sets as a path in the record's JSON (<c>beta</c>, <c>options.kl_coef</c>; its type is the
/// setting's) and the help text. An option not given leaves the record's default.
/// </summary>
public sealed record AlgorithmOption(string Flag, string Setting, string Description)
{
    /// <summary>Another flag that gives the same quantity another way; giving both is refused.</summary>
    public string? ExclusiveWith { get; init; }

    /// <summary>A setting of the method's pairwise loss (β, γ, λ): <c>valuedrift rewards</c> offers it too.</summary>
    public bool ShapesLoss { get; init; }

    /// <summary>A switch that sets the (nullable) setting to null, e.g. <c>--no-early-stopping</c> clears <c>options.target_kl</c>.</summary>
    public bool ClearsSetting { get; init; }
}
