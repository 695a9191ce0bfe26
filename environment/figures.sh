#!/usr/bin/env bash
# Renders the key charts of a finished demo run, and the walkthrough notebook's stage charts drawn from the demo's
# stages of the same names, to PNG with headless Chromium (installed by environment/setup.sh), so they can be read
# without running anything (GitHub does not run plotly.js). Rendering takes about a minute; no training.
#   bash environment/figures.sh                    runs/demo → docs/figures/   (run `./valuedrift demo` first, ~13 min)
#   bash environment/figures.sh RUN_DIR OUT_DIR    another finished run folder, another output folder
#   bash environment/figures.sh --quick            runs `./valuedrift demo --quick` (about a minute) into runs/demo-quick
#                                                  and renders into runs/demo-quick/figures/ (a smoke test: its tiny
#                                                  model's charts are not the ones to publish)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ "${1:-}" == "--quick" ]]; then
  run=runs/demo-quick
  out="${2:-$run/figures}"
  ./valuedrift demo --quick --out "$run"
else
  run="${1:-runs/demo}"
  out="${2:-docs/figures}"
fi

if [[ ! -f "$run/trace.jsonl" ]]; then
  echo "figures: $run has no trace.jsonl; run the demo first: ./valuedrift demo --out $run (or: bash environment/figures.sh --quick)" >&2
  exit 1
fi
if [[ -z "${VALUEDRIFT_CHROMIUM:-}" ]] && ! command -v chromium >/dev/null 2>&1; then
  echo "figures: no chromium on the PATH; run bash environment/setup.sh (installs Debian's chromium) or set VALUEDRIFT_CHROMIUM" >&2
  exit 1
fi

./valuedrift figures --run "$run" --out "$out"
