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

results=artifacts/test-results
rm -rf "$results"; mkdir -p "$results"
dotnet test ValueDrift.sln -c Release --no-build --nologo "${filter[@]}" \
  --logger "trx;LogFileName=results.trx" --logger "console;verbosity=normal" --results-directory "$results" \
  2>&1 | tee "$results/test.log" | grep -E "^\s+(Passed|Failed|Skipped) |^(Passed|Failed)!|error" || true
code=${PIPESTATUS[0]}

trx=$(find "$results" -name '*.trx' | head -1)
if [[ -n $trx ]]; then
  passed=$(grep -o 'passed="[0-9]*"' "$trx" | head -1 | grep -o '[0-9]*')
  failed=$(grep -o 'failed="[0-9]*"' "$trx" | head -1 | grep -o '[0-9]*')
else
  passed=0; failed=1
fi
echo "${passed:-0} passed, ${failed:-0} failed"
[[ $code == 0 && ${failed:-1} == 0 ]]
