#!/usr/bin/env bash
# Runs the README's first command (scripts/demo.sh) the way a newcomer does, on a fresh store and any free port,
# and checks that the control panel answers at the address it prints. scripts/test.sh runs it after the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '==> %s\n' "$*"; }
work="$(mktemp -d)"
log="$work/demo.log"
cleanup() {
  if [[ -n "${demo_pid:-}" ]] && kill -0 "$demo_pid" 2>/dev/null; then
    kill -INT -- "-$demo_pid" 2>/dev/null || kill -INT "$demo_pid" 2>/dev/null || true
    wait "$demo_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

say 'smoke test: starting the demo as the README says (bash scripts/demo.sh) on a fresh store'
set -m # the demo and its children in a process group of their own, to stop them together
PORT=0 COUNTERSIGN_DB="$work/countersign.db" bash scripts/demo.sh </dev/null >"$log" 2>&1 &
demo_pid=$!
set +m

url=''
for _ in $(seq 1 600); do
  url="$(sed -n 's/^Countersign demo listening on \(http:[^ ]*\)$/\1/p' "$log" | head -n 1)"
  [[ -n "$url" ]] && break
  if ! kill -0 "$demo_pid" 2>/dev/null; then break; fi
  sleep 0.2
done
if [[ -z "$url" ]]; then
  cat "$log"
  echo 'error: the demo did not start listening' >&2
  exit 1
fi

say "the demo listens on ${url}; fetching the control panel"
page="$(curl -fsS "$url/")"
if ! grep -q '<title>Countersign' <<<"$page"; then
  printf '%s\n' "$page" | head -n 20
  echo 'error: the page at / is not the control panel' >&2
  exit 1
fi
curl -fsS "$url/readyz" >/dev/null
say 'smoke test passed: the demo came up and serves the control panel'
