#!/usr/bin/env bash
# Everything a fresh machine with only the .NET SDK needs, idempotent:
#  - the local .NET tools (.config/dotnet-tools.json: dotnet-repl runs notebooks headless, dotnet-interactive is the
#    kernel for VS Code / Jupyter)
#  - NuGet packages and a Release build of the solution, which includes the notebook build: artifacts/notebook/
#    (src/ValueDrift.Interactive with every dependency and LibTorch's natives; MSBuild skips it when up to date)
#  - Debian's chromium, used by the tests that render the HTML charts (only when missing; needs root + apt)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ -f .config/dotnet-tools.json ]]; then
  dotnet tool restore >/dev/null
fi

if ! command -v chromium >/dev/null 2>&1; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing chromium (headless chart rendering tests)…"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "setup: chromium not found; chart rendering tests will fail. Install Debian's 'chromium' package." >&2
  fi
fi

dotnet build ValueDrift.sln -c Release --nologo -v q

if [[ ! -f artifacts/notebook/ValueDrift.Interactive.dll || ! -f artifacts/notebook/libLibTorchSharp.so ]]; then
  echo "setup: the notebook build (artifacts/notebook) is incomplete after the build" >&2
  exit 1
fi
