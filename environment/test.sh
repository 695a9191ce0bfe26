#!/usr/bin/env bash
# The test command: set-up, then every test (unit, reference fixtures, fuzzing, notebooks run headless).
#   --fast   only the tests marked [Trait("tier", "fast")]: quick unit tests, no training runs, fuzzing, kill loops,
#            notebooks or demos (about a minute). Without it, the full run that CI uses.
# Ends by printing the totals as one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

filter=()
case "${1:-}" in
  --fast) filter=(--filter "tier=fast") ;;
  "") ;;
  *) echo "usage: bash environment/test.sh [--fast]" >&2; echo "0 passed, 1 failed"; exit 2 ;;
esac
bash environment/setup.sh || { echo "0 passed, 1 failed"; exit 1; }

# The test run executes notebook kernels side by side with the test host, several LibTorch processes sharing the
# cores: there passive OpenMP waiting is much faster than ValueDrift's default bounded polling (two notebook-size
# world runs side by side: 232 s against 414 s; docs/benchmarks.md, "OpenMP waiting"). Kernels inherit it.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"

results=artifacts/test-results
rm -rf "$results"; mkdir -p "$results"
# Each test deletes the folders it made when it ends; what an earlier, killed run left is removed here.
rm -rf tests/ValueDrift.Tests/bin/Release/*/*/tmp
dotnet test ValueDrift.sln -c Release --no-build --nologo "${filter[@]}" \
  --logger "trx;LogFileName=results.trx" --logger "console;verbosity=normal" --results-directory "$results" \
  2>&1 | tee "$results/test.log" | grep -E "^\s+(Passed|Failed|Skipped) |^(Passed|Failed)!|error" || true
code=${PIPESTATUS[0]}

trx=$(find "$results" -name '*.trx' | head -1)
passed=""; failed=""
if [[ -n $trx ]]; then
  passed=$(grep -o 'passed="[0-9]*"' "$trx" | head -1 | grep -o '[0-9]*')
  failed=$(grep -o 'failed="[0-9]*"' "$trx" | head -1 | grep -o '[0-9]*')
fi
if [[ -z $passed || -z $failed ]]; then
  # No totals in the results file (the run was killed, or the disk filled before it was written): count the log's
  # result lines instead, and never report such a run as clean.
  echo "no totals in ${trx:-a results file}: counting the log's result lines; free disk now: $(df -h . | awk 'NR==2 {print $4}')" >&2
  passed=$(grep -cE '^\s+Passed ' "$results/test.log")
  failed=$(grep -cE '^\s+Failed ' "$results/test.log")
  (( failed > 0 )) || failed=1
fi
# Each failed test's name, the start of its message and its managed stack (native frames left out), just above the
# totals, where the end of a log shows them.
if [[ ${failed:-0} != 0 ]]; then
  echo "failed tests:"
  awk '/^[[:space:]]+(Passed|Skipped) / { inside = 0 }
       /^[[:space:]]+Failed [A-Za-z]/ { inside = 1; text = 0; frames = 0; print; next }
       !inside || /^[[:space:]]*frame #[0-9]/ { next }
       /^[[:space:]]+at / { if (frames++ < 12) print; next }
       /Stack Trace:/ { print; next }
       { if (text++ < 6) print }' "$results/test.log" | cut -c1-300
fi
echo "${passed:-0} passed, ${failed:-0} failed"
[[ $code == 0 && ${failed:-1} == 0 ]]
