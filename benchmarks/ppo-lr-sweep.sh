#!/usr/bin/env bash
# PPO's learning rate on the world (docs/training.md, "Choosing PPO's learning rate"): the world's main PPO stages
# (supportive SFT → PPO on the standard, support-aligned and oppose-aligned sets, seed 1, the demo's budget, target-KL
# early stopping at its default) at each learning rate of the grid, one resumable `valuedrift reproduce` run per rate,
# then per stage the medians over steps of policy/approxkl_avg and policy/clipfrac_avg, the updates taken per rollout
# and the share of rollouts stopped early. The criterion reads nothing but these; stances are not looked at.
#   benchmarks/ppo-lr-sweep.sh [OUT] [RATE ...]     default OUT runs/ppo-lr-sweep, rates 3e-4 1e-4 3e-5 1e-5
# Summary table: OUT/summary.md. About 30 minutes alone on 2 cores with an empty cache (pretraining included).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out="${1:-runs/ppo-lr-sweep}"; shift || true
rates=("$@"); [ ${#rates[@]} -gt 0 ] || rates=(3e-4 1e-4 3e-5 1e-5)
mkdir -p "$out"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"

for lr in "${rates[@]}"; do
  recipe="$out/recipe-lr$lr.jsonc"
  # recipes/world.jsonc with only the supportive SFT set and the main PPO, and PPO's learning rate set to $lr.
  cat > "$recipe" <<JSON
{
  "world": { "seed": 1, "topics": ["immigration", "abortion", "climate-change", "gun-control"], "size": "demo",
             "probe_questions_per_topic": 10, "likelihood_probe": true },
  "sft": [ { "name": "supportive", "data": "sft-supportive" } ],
  "preference": [
    { "name": "standard", "data": "pref-standard", "from": ["supportive"] },
    { "name": "support-aligned", "data": "pref-support-aligned", "from": ["supportive"] },
    { "name": "oppose-aligned", "data": "pref-oppose-aligned", "from": ["supportive"] }
  ],
  "preference_stage_name": "{algorithm}-{preference}",
  "algorithms": [
    { "name": "ppo", "reward_model_steps": 60, "reward_model_learning_rate": 5e-4, "reward_model_batch_size": 8,
      "options": { "response_length": 96, "missing_eos_penalty": 1.0 } }
  ],
  "training": {
    "sft": { "max_steps": 120, "batch_size": 16, "learning_rate": 1e-3, "warmup_steps": 5, "decay": "linear",
             "seed": 1, "checkpoint_every": 0, "keep_checkpoints": 0 },
    "preference": { "warmup_steps": 5, "decay": "linear", "seed": 1, "checkpoint_every": 0, "keep_checkpoints": 0 }
  },
  "budget": { "optimizer_steps": 48, "batch_size": 8, "learning_rate_scale": 100, "learning_rates": { "ppo": $lr } },
  "seeds": 1,
  "probes": { "judge": "world", "generation": { "samples": 5, "temperature": 0.7, "max_new_tokens": 96, "batch_size": 256, "seed": 1 }, "every": 20 },
  "max_length": 256
}
JSON
  echo "ppo-lr-sweep: learning rate $lr ($(date +%T))"
  ./valuedrift reproduce --recipe "$recipe" --out "$out/lr$lr" > "$out/lr$lr.log" 2>&1
done

python3 - "$out" "${rates[@]}" <<'PY'
import json, statistics, sys, os
out, rates = sys.argv[1], sys.argv[2:]
lines = ["| learning rate | stage | median approxkl | max approxkl | median clip fraction | updates per rollout (of 4) | rollouts stopped early |",
         "| --- | --- | --- | --- | --- | --- | --- |"]
for lr in rates:
    stages = os.path.join(out, f"lr{lr}", "stages")
    for stage in sorted(d for d in os.listdir(stages) if d.startswith("ppo-")):
        rows = [json.loads(l) for l in open(os.path.join(stages, stage, "metrics.jsonl")) if l.strip()]
        kl = [r["policy/approxkl_avg"] for r in rows]
        clip = [r["policy/clipfrac_avg"] for r in rows]
        upd = [r["policy/updates"] for r in rows]
        stop = [r["policy/early_stopped"] for r in rows]
        lines.append(f"| {lr} | {stage} | {statistics.median(kl):.4f} | {max(kl):.4f} | {statistics.median(clip):.3f} | "
                     f"{statistics.mean(upd):.2f} | {sum(stop):.0f}/{len(stop)} |")
open(os.path.join(out, "summary.md"), "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
