#!/usr/bin/env bash
# Runs every notebooks/*.ipynb headless with dotnet-repl (a local tool, .config/dotnet-tools.json) and writes each
# executed copy, outputs included, to notebooks/executed/ (ignored by git). Exits non-zero if any cell of any
# notebook failed (dotnet-repl exits 2 then), after running them all.
#   bash environment/run-notebooks.sh              every notebook
#   bash environment/run-notebooks.sh 00-setup     only the notebooks whose names start with 00-setup
# Needs the notebook build (artifacts/notebook); `bash environment/setup.sh` makes it.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
if [[ ! -f artifacts/notebook/ValueDrift.Interactive.dll ]]; then
  echo "run-notebooks: artifacts/notebook is missing; run: bash environment/setup.sh" >&2
  exit 1
fi
dotnet tool restore >/dev/null || exit 1
# No usage data sent from the kernels (and no network attempts on machines without network).
export DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

# The kernel resolves a cell's relative #r paths against its working directory, so each notebook runs from its own
# folder, as VS Code and Jupyter run it.
cd notebooks
mkdir -p executed
failed=()
for nb in "${1:-}"*.ipynb; do
  [[ -f $nb ]] || continue
  start=$SECONDS
  if dotnet repl --run "$nb" --exit-after-run --output-path "executed/$nb" >"executed/${nb%.ipynb}.log" 2>&1; then
    echo "ok      $nb ($((SECONDS - start)) s)"
  else
    echo "FAILED  $nb ($((SECONDS - start)) s): see notebooks/executed/${nb%.ipynb}.log and notebooks/executed/$nb"
    failed+=("$nb")
  fi
done
if (( ${#failed[@]} > 0 )); then
  echo "run-notebooks: ${#failed[@]} notebook(s) failed: ${failed[*]}" >&2
  exit 1
fi
