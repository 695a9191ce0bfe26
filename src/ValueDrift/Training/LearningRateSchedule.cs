namespace ValueDrift.Training;

/// <summary>
/// Linear warm-up from 0 to the peak over WarmupSteps, then constant, linear or cosine decay to
/// peak × MinLearningRateRatio at MaxSteps. A pure function of the step, so resuming needs no scheduler state.
/// </summary>
public static class LearningRateSchedule
{
    /// <summary>Learning rate used for the optimizer update that ends step <paramref name="step"/> (0-based).</summary>
    public static double At(int step, TrainerOptions o)
    {
        double peak = o.LearningRate, floor = peak * o.MinLearningRateRatio;
        if (o.WarmupSteps > 0 && step < o.WarmupSteps) return peak * (step + 1) / o.WarmupSteps;
        if (o.Decay == LearningRateDecay.Constant) return peak;
        int decaySteps = Math.Max(1, o.MaxSteps - o.WarmupSteps);
        double progress = Math.Clamp((double)(step - o.WarmupSteps) / decaySteps, 0, 1);
        double shape = o.Decay == LearningRateDecay.Cosine ? 0.5 * (1 + Math.Cos(Math.PI * progress)) : 1 - progress;
        return floor + (peak - floor) * shape;
    }
}
