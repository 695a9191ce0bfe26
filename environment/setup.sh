#!/usr/bin/env bash
# Everything a fresh machine with only the .NET SDK needs, idempotent:
#  - the local .NET tools (.config/dotnet-tools.json: dotnet-repl for headless notebooks)
#  - NuGet packages and a Release build of the solution
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
