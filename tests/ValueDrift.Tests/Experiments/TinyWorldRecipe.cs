namespace ValueDrift.Tests.Experiments;

/// <summary>A world recipe small enough for a test run: the quick size, one topic, one SFT set and the standard set under a two-update budget.</summary>
internal static class TinyWorldRecipe
{
    /// <param name="algorithms">The recipe's "algorithms" array, as JSON.</param>
    /// <param name="likelihoodProbe">Whether the likelihood probe is traced too.</param>
    public static string With(string algorithms, bool likelihoodProbe) => $$"""
        {
          "world": { "seed": 1, "topics": ["immigration"], "size": "quick", "probe_questions_per_topic": 2, "likelihood_probe": {{(likelihoodProbe ? "true" : "false")}} },
          "sft": [ { "name": "supportive", "data": "sft-supportive" } ],
          "preference": [ { "name": "standard", "data": "pref-standard" } ],
          "preference_stage_name": "{algorithm}-{preference}",
          "algorithms": {{algorithms}},
          "training": {
            "sft": { "max_steps": 4, "batch_size": 4, "learning_rate": 1e-3, "seed": 1 },
            "preference": { "seed": 1 }
          },
          "budget": { "optimizer_steps": 2, "batch_size": 4, "learning_rate_scale": 100 },
          "probes": { "judge": "world", "generation": { "samples": 2, "temperature": 0.7, "max_new_tokens": 12, "batch_size": 64, "seed": 1 }, "every": 1 },
          "max_length": 128
        }
        """;
}
