#!/usr/bin/env bash
# Releases, checked on throwaway copies of this tree (never the tree itself): `changeset version` turns the pending
# changesets into the versions and CHANGELOG.md sections they ask for, and so it does for a known change (a minor
# change to @countersign/policies and a patch to @countersign/core, whose dependents follow with a patch).
# scripts/check-packages.sh checks what a publish ships. Expects pnpm install done (scripts/test.sh runs it).
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '==> %s\n' "$*"; }

root="$PWD"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# `copy DIR`: this tree's files (committed or not, as git sees them) into DIR, with the installed node_modules.
copy() {
  mkdir -p "$1"
  git ls-files -z --cached --others --exclude-standard |
    tar --null --files-from=- --ignore-failed-read -cf - 2>/dev/null | tar -xf - -C "$1"
  ln -s "$root/node_modules" "$1/node_modules"
}

say 'changeset version with the pending changesets (on a copy of the tree)'
copy "$work/pending"
node scripts/packaging/check-version.mjs "$work/pending"

say 'changeset version with a known change: @countersign/policies minor, @countersign/core patch (on a copy)'
copy "$work/known"
rm -f "$work"/known/.changeset/*.md
printf -- "---\n'@countersign/policies': minor\n'@countersign/core': patch\n---\n\nA release check's change.\n" \
  >"$work/known/.changeset/release-check.md"
node scripts/packaging/check-version.mjs "$work/known"
for expected in '@countersign/policies 0.1.0' '@countersign/core 0.1.1' '@countersign/sqlite 0.0.1'; do
  read -r name version <<<"$expected"
  dir="$(cd "$work/known" && grep -l "\"name\": \"${name}\"" packages/*/package.json)"
  actual="$(node -p "require('$work/known/${dir}').version")"
  [[ "$actual" == "$version" ]] || { echo "error: ${name} is ${actual} after the known change, not ${version}" >&2; exit 1; }
done
say 'changesets version releases as asked'
