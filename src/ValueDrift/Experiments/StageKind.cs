namespace ValueDrift.Experiments;

/// <summary>The post-training algorithms the paper compares.</summary>
public enum StageKind { Sft, Dpo, SimPo, Ppo }
