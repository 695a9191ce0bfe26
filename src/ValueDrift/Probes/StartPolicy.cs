using ValueDrift.Models;

namespace ValueDrift.Probes;

/// <summary>
/// The policy a stage started from, π_start, for scoring the generation probe's sampled answers (<c>kl_from_start</c>).
/// Three forms, chosen for memory:
/// <list type="bullet">
/// <item><see cref="AdaptersOff"/>: a LoRA stage's policy with its adapters disabled — the weights it started from
/// (a start adapter is merged into them before the stage's adapter is added), no second copy in memory;</item>
/// <item><see cref="Load"/>: the start checkpoint folder (a LoRA adapter folder loads with its base), loaded at the
/// first use in the policy's dtype and on its device, kept for the stage and freed by <see cref="Dispose"/>: one more
/// copy of the weights while the stage trains;</item>
/// <item><see cref="Of"/>: a model already in memory (tests, notebooks).</item>
/// </list>
/// </summary>
public abstract class StartPolicy : IDisposable
{
    /// <summary>Runs <paramref name="score"/> on π_start, given the policy being probed.</summary>
    public abstract T Score<T>(CausalLM policy, Func<CausalLM, T> score);

    public virtual void Dispose() { }

    /// <summary>The probed policy with its LoRA adapters disabled.</summary>
    public static StartPolicy AdaptersOff() => new Disabled();

    /// <summary>The checkpoint folder <paramref name="folder"/>, loaded at first use.</summary>
    public static StartPolicy Load(string folder) => new Lazy(folder);

    /// <summary>A model in memory; disposed with this object only when <paramref name="owns"/>.</summary>
    public static StartPolicy Of(CausalLM model, bool owns = false) => new Given(model, owns);

    private sealed class Disabled : StartPolicy
    {
        public override T Score<T>(CausalLM policy, Func<CausalLM, T> score)
        {
            if (policy.Lora is null) throw new InvalidOperationException("the start policy is the LoRA policy with its adapters off, but the policy has no adapter");
            using var _ = policy.DisableAdapters();
            return score(policy);
        }
    }

    private sealed class Lazy(string folder) : StartPolicy
    {
        private CausalLM? _model;

        public override T Score<T>(CausalLM policy, Func<CausalLM, T> score)
        {
            _model ??= CausalLM.FromPretrained(folder, policy.DType, policy.Device);
            _model.eval();
            return score(_model);
        }

        public override void Dispose()
        {
            _model?.Dispose();
            _model = null;
        }
    }

    private sealed class Given(CausalLM model, bool owns) : StartPolicy
    {
        public override T Score<T>(CausalLM policy, Func<CausalLM, T> score)
        {
            var wasTraining = model.training;
            model.eval();
            try { return score(model); }
            finally { if (wasTraining) model.train(); }
        }

        public override void Dispose()
        {
            if (owns) model.Dispose();
        }
    }
}
