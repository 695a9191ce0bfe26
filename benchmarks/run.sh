#!/usr/bin/env bash
# The benchmark suite in one command: ValueDrift against PyTorch eager on the same machine, ratios printed, tables
# written into docs/benchmarks.md. Installs the PyTorch baseline (Debian's python3-torch with the OpenMP OpenBLAS)
# when it is missing. Arguments go to the suite: --quick (a tiny grid, a smoke test), --threads N, --out FILE,
# --json FILE (every target's figure, machine-readable), --only SECTION[,SECTION], --background-load (every
# measurement also beside a busy loop pinned to one CPU, started and stopped by the suite around each measurement).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

python=/usr/bin/python3   # Debian's interpreter, the one python3-torch installs into
if ! dpkg -s python3-torch libopenblas0-openmp >/dev/null 2>&1 || ! "$python" -c "import torch" >/dev/null 2>&1; then
  echo "benchmarks: installing the PyTorch baseline (python3-torch, libopenblas0-openmp)…"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch libopenblas0-openmp >/dev/null
fi

# Both contenders use libgomp. The benchmark program bounds its polling (TorchRuntime.BoundOpenMpSpinning) before
# LibTorch loads, and the PyTorch baseline it starts inherits the same environment.

dotnet build benchmarks/ValueDrift.Benchmarks/ValueDrift.Benchmarks.csproj -c Release --nologo -v q
exec dotnet benchmarks/ValueDrift.Benchmarks/bin/Release/net10.0/linux-x64/ValueDrift.Benchmarks.dll \
  --python "$python" --script benchmarks/baseline/torch_baseline.py --out docs/benchmarks.md "$@"
