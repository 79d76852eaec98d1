#!/usr/bin/env bash
# The main job: the demo server (apps/demo) on the embedded store, with the seed scenarios' agents, team and
# workflow. It prints the URL to open and the tokens to sign in with.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh

say 'building the control panel (apps/control-panel, vite build)'
pnpm --silent --filter @countersign/control-panel build
say 'starting the demo server (apps/demo)'
pnpm --silent --filter @countersign/demo start
