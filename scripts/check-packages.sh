#!/usr/bin/env bash
# Checks every publishable package as the registry would receive it, with the ecosystem's own tools:
#  - publint --strict on its tarball: package.json fields, every export's files present, module formats;
#  - attw (are the types wrong) on its tarball: every export resolves to JS and types under node16 and bundler
#    (the ESM-only profile: the packages are ESM, which Node 20.19+ also loads from CommonJS);
#  - a dry-run publish (pnpm publish --dry-run) ships exactly package.json, README.md, LICENSE and dist/ (JS,
#    declarations, source maps), nothing from src/, test/ or a tsconfig.
# Usage: bash scripts/check-packages.sh [DIR]: the tarballs are left in DIR for scripts/consumer-test.sh.
# Expects the packages built (pnpm turbo run build) and pnpm on PATH (scripts/test.sh runs it after both).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/publishable.sh
say() { printf '==> %s\n' "$*"; }

tarballs="${1:-$(mktemp -d)}"
pack_publishable "$tarballs"
failed=0
for tarball in "$tarballs"/*.tgz; do
  name="$(basename "$tarball")"
  node_modules/.bin/publint run "$tarball" --strict >"$tarballs/publint.log" 2>&1 ||
    { cat "$tarballs/publint.log"; say "publint FAILED: ${name}"; failed=1; }
  node_modules/.bin/attw "$tarball" --profile esm-only --format table-flipped >"$tarballs/attw.log" 2>&1 ||
    { cat "$tarballs/attw.log"; say "attw FAILED: ${name}"; failed=1; }
done

for dir in $(publishable); do
  (cd "$dir" && pnpm publish --dry-run --no-git-checks --json 2>/dev/null) | node scripts/packaging/assert-shipped-files.mjs ||
    { say "dry-run publish FAILED: ${dir} ships the wrong files"; failed=1; }
done

if [[ $failed -ne 0 ]]; then exit 1; fi
say "publint, attw and the dry-run publish's file lists pass for $(ls "$tarballs"/*.tgz | wc -l) packages"
