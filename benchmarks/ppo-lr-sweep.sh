#!/usr/bin/env bash
# PPO's learning rate on the world (docs/training.md, "Choosing PPO's learning rate"): the world's main PPO on the
# standard, support-aligned and oppose-aligned sets from the supportive SFT checkpoint (seed 1, target-KL early stopping
# at its default), once per learning rate of the grid, all in one resumable `valuedrift reproduce` run (one SFT stage,
# one reward model per set shared by the rates). Each rate's PPO gets the loop the demo's budget gives PPO (12
# rollouts of 32 prompts, 4 epochs, warm-up 1, linear decay); only the learning rate differs. Then, per stage, the
# medians over steps of policy/approxkl_avg and policy/clipfrac_avg, the updates taken per rollout and the rollouts
# stopped early. The criterion reads nothing but these; stances are not looked at.
#   benchmarks/ppo-lr-sweep.sh [OUT] [RATE ...]     default OUT runs/ppo-lr-sweep, rates 3e-4 1e-4 3e-5 1e-5
# Summary table: OUT/summary.md (also for a run folder of the world's recipe: benchmarks/ppo-lr-sweep.sh --summary DIR).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

summary() {
python3 - "$1" <<'PY'
import json, statistics, sys, os
out = sys.argv[1]
lines = ["| stage | learning rate | steps | median approxkl | max approxkl | median clip fraction | updates per rollout (of 4) | rollouts stopped early |",
         "| --- | --- | --- | --- | --- | --- | --- | --- |"]
stages = os.path.join(out, "stages")
for stage in sorted(d for d in os.listdir(stages) if d.startswith("ppo") and os.path.exists(os.path.join(stages, d, "metrics.jsonl"))):
    rows = [json.loads(l) for l in open(os.path.join(stages, stage, "metrics.jsonl")) if l.strip()]
    if not rows: continue
    kl = [float(r["policy/approxkl_avg"]) for r in rows]
    clip = [float(r["policy/clipfrac_avg"]) for r in rows]
    upd = [r.get("policy/updates", float("nan")) for r in rows]
    stop = [r.get("policy/early_stopped", 0) for r in rows]
    lines.append(f"| {stage} | {rows[0]['lr'] if len(rows) == 1 else max(r['lr'] for r in rows):.0e} | {len(rows)} | {statistics.median(kl):.4f} | {max(kl):.4f} | "
                 f"{statistics.median(clip):.3f} | {statistics.mean(upd):.2f} | {sum(stop):.0f}/{len(stop)} |")
open(os.path.join(out, "summary.md"), "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
}
if [ "${1:-}" = "--summary" ]; then summary "$2"; exit; fi

out="${1:-runs/ppo-lr-sweep}"; shift || true
rates=("$@"); [ ${#rates[@]} -gt 0 ] || rates=(3e-4 1e-4 3e-5 1e-5)
mkdir -p "$out"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"

algorithms=""; loops=""
for lr in "${rates[@]}"; do
  algorithms+="{ \"name\": \"ppo\", \"label\": \"ppo-lr$lr\", \"reward_model_steps\": 60, \"reward_model_learning_rate\": 5e-4, \"reward_model_batch_size\": 8,
      \"options\": { \"response_length\": 96, \"missing_eos_penalty\": 1.0 } },"
  loops+="\"ppo-lr$lr\": { \"max_steps\": 12, \"batch_size\": 32, \"learning_rate\": $lr, \"warmup_steps\": 1, \"decay\": \"linear\", \"seed\": 1, \"checkpoint_every\": 0, \"keep_checkpoints\": 0 },"
done
# recipes/world.jsonc with only the supportive SFT set and the main PPO at each rate.
cat > "$out/recipe.jsonc" <<JSON
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
  "algorithms": [ ${algorithms%,} ],
  "training": {
    "sft": { "max_steps": 120, "batch_size": 16, "learning_rate": 1e-3, "warmup_steps": 5, "decay": "linear",
             "seed": 1, "checkpoint_every": 0, "keep_checkpoints": 0 },
    "algorithms": { ${loops%,} }
  },
  "seeds": 1,
  "probes": { "judge": "world", "generation": { "samples": 5, "temperature": 0.7, "max_new_tokens": 96, "batch_size": 256, "seed": 1 }, "every": 20 },
  "max_length": 256
}
JSON
echo "ppo-lr-sweep: rates ${rates[*]} into $out ($(date +%T))"
./valuedrift reproduce --recipe "$out/recipe.jsonc" --out "$out" > "$out/reproduce.log" 2>&1
summary "$out"
