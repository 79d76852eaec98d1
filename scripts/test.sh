#!/usr/bin/env bash
# Every check: builds, type checks and lint in every package (turbo), then every test (vitest, all projects).
# The tests run even when a static check fails, so one run reports everything; the exit status
# is non-zero if anything failed.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
export TURBO_TELEMETRY_DISABLED=1

say 'building, type-checking and linting every package (turbo run build typecheck lint), checking formatting (prettier)'
checks=0
pnpm turbo run build typecheck lint --continue || checks=$?
pnpm --silent format:check || checks=$?
if [[ $checks -ne 0 ]]; then
  say "builds, type checks or lint FAILED (exit ${checks}, see above); running the tests anyway"
fi

say 'running every test (vitest run)'
tests=0
pnpm vitest run || tests=$?

# The README's first command, as a newcomer runs it: the demo comes up and serves the control panel.
bash scripts/smoke-demo.sh || tests=$?

if [[ $checks -ne 0 ]]; then exit "$checks"; fi
exit "$tests"
