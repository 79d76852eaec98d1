#!/usr/bin/env bash
# The main job: the demo server (apps/demo) on the embedded store, with the seed scenarios' agents, team and
# workflow. It prints the URL to open and the tokens to sign in with.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh

# turbo replays the last build when no source of the panel (or of a package it bundles) changed.
export TURBO_TELEMETRY_DISABLED=1
say 'building the control panel (apps/control-panel; turbo rebuilds it only when its sources changed)'
pnpm --silent turbo run build --filter @countersign/control-panel --output-logs=errors-only
say 'starting the demo server (apps/demo)'
pnpm --silent --filter @countersign/demo start
