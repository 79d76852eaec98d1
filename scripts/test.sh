#!/usr/bin/env bash
# Every check: builds, type checks and lint in every package (turbo), then every test (vitest, all projects), the
# demo's smoke test, and the packages as a user gets them: their tarballs checked with publint and attw, installed
# into a new npm project and used from TypeScript on Node 20 and 24, and versioned by changesets.
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

tarballs="$(mktemp -d)"
trap 'rm -rf "$PNPM_BIN_DIR" "$tarballs"' EXIT
say 'checking every publishable package as packed: publint, attw, the files a dry-run publish ships (scripts/check-packages.sh)'
bash scripts/check-packages.sh "$tarballs" || tests=$?
say 'consumer test: the tarballs installed with npm in a new project, type-checked and run on Node 20 and 24 (scripts/consumer-test.sh)'
bash scripts/consumer-test.sh "$tarballs" || tests=$?
say 'checking releases: changeset version on copies of the tree (scripts/check-release.sh)'
bash scripts/check-release.sh || tests=$?

if [[ $checks -ne 0 ]]; then exit "$checks"; fi
exit "$tests"
