#!/usr/bin/env bash
# One bf16 LoRA DPO step (gradient checkpointing on) and one generation probe on the GPU, with tokens/s, answers/s
# and peak GPU memory. Usage: bash environment/gpu-check.sh MODEL_DIR [OUT_DIR]
# MODEL_DIR: a Hugging Face folder (config.json, safetensors, tokenizer.json), e.g. Qwen3-0.6B.
# Needs nvidia-smi, the .NET 10 SDK and a NuGet feed serving TorchSharp-cuda-linux (environment/gpu.md).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

model=${1:?usage: bash environment/gpu-check.sh MODEL_DIR [OUT_DIR]}
out=${2:-runs/gpu-check}
[[ -f "$model/config.json" ]] || { echo "gpu-check: $model has no config.json" >&2; exit 2; }
command -v nvidia-smi >/dev/null || { echo "gpu-check: nvidia-smi not found: no NVIDIA driver" >&2; exit 2; }
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
total_mib=$(nvidia-smi --query-gpu=memory.total --format=csv,noheader,nounits | head -1)

echo "gpu-check: building with the CUDA natives…"
dotnet build ValueDrift.sln -c Release -p:ValueDriftGpu=true --nologo -v q
cli=(dotnet src/ValueDrift.Cli/bin/Release/net10.0/linux-x64/ValueDrift.Cli.dll)

rm -rf "$out" && mkdir -p "$out"
# Eight small preference pairs and two probe questions, written here so the check needs no download but the model.
python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
topics = [("immigration", "Should my country accept more immigrants?"), ("gun control", "Should guns be harder to buy?")]
with open(f"{out}/pairs.jsonl", "w") as f:
    for i in range(8):
        topic, q = topics[i % 2]
        f.write(json.dumps({"prompt": q, "chosen": "There are arguments on both sides; here are the main ones.",
                            "rejected": "No.", "topic": topic}) + "\n")
with open(f"{out}/probes.jsonl", "w") as f:
    for i, (topic, q) in enumerate(topics):
        f.write(json.dumps({"id": f"q{i}", "topic": topic, "question": q}) + "\n")
PY

# measure NAME CMD...: runs CMD with stdout to $out/NAME.out while sampling the GPU's used memory every 200 ms;
# sets peak (MiB) and seconds (wall, including model loading).
measure() {
  local name=$1; shift
  nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 200 > "$out/$name-mem.log" &
  local sampler=$! start end rc=0
  start=$(date +%s.%N)
  "$@" > "$out/$name.out" || rc=$?
  end=$(date +%s.%N)
  kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
  [[ $rc == 0 ]] || { echo "gpu-check: $name failed (exit $rc); see $out/$name.out and stderr above" >&2; exit 1; }
  peak=$(sort -n "$out/$name-mem.log" | tail -1)
  seconds=$(echo "$end - $start" | bc)
}

echo "gpu-check: plan"
"${cli[@]}" plan --model "$model" --stage dpo --batch-size 2 --max-length 512 --lora-rank 16 --dtype bf16 \
  --gradient-checkpointing --device-memory "$(echo "$total_mib / 1024" | bc -l)"

echo "gpu-check: one bf16 LoRA DPO step"
measure train "${cli[@]}" train dpo --model "$model" --data "$out/pairs.jsonl" \
  --out "$out/dpo" --steps 1 --batch-size 2 --max-length 512 --lora-rank 16 --lora-alpha 32 \
  --lora-targets q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj --dtype bf16 --gradient-checkpointing \
  --device cuda
train_peak=$peak train_s=$seconds
tokens_per_s=$(python3 -c "import json,sys; print(round(json.loads(open(sys.argv[1]).read().splitlines()[-1]).get('tokens_per_second', float('nan')), 1))" "$out/dpo/metrics.jsonl")
adapter=$(ls -d "$out"/dpo/checkpoints/step-* | sort -V | tail -1)
[[ -f "$adapter/adapter_config.json" ]] || { echo "gpu-check: $adapter is not a PEFT adapter folder" >&2; exit 1; }

echo "gpu-check: one generation probe (5 samples × 256 tokens per question)"
measure probe "${cli[@]}" probe --model "$adapter" --probes "$out/probes.jsonl" \
  --judge world --samples 5 --max-new-tokens 256 --device cuda
probe_peak=$peak probe_s=$seconds
cat "$out/probe.out"
answers_per_s=$(echo "scale=2; 10 / $probe_s" | bc)

echo
echo "DPO step:  ${tokens_per_s} tokens/s, peak GPU memory ${train_peak} MiB of ${total_mib} MiB (${train_s} s wall, incl. load)"
echo "probe:     ${answers_per_s} answers/s, peak GPU memory ${probe_peak} MiB (${probe_s} s wall, incl. load)"
