#!/usr/bin/env bash
# The main job. For now: the terminal demo, an agent that pauses before a refund until you decide.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh

say 'starting the terminal demo (apps/demo)'
pnpm --silent --filter @countersign/demo start
