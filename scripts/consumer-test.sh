#!/usr/bin/env bash
# The consumer test: the packed @countersign/* tarballs installed with npm into a new project outside the
# workspace, as an app installs them from a registry. scripts/consumer-test/consumer.ts (every package's public
# API: a paused run continued by id on SQLite, a policy's approval decided in the queue, the server on a socket with
# its client and the `countersign` bin, the model adapters) is type-checked strictly under `moduleResolution`
# nodenext and bundler, then run on Node 20 and on Node 24. A Node the machine lacks comes from the npm registry's
# node-<os>-<arch> package, kept in .cache/consumer-test/ with better-sqlite3 built for it, so reruns are fast.
# Usage: bash scripts/consumer-test.sh [DIR]: installs the tarballs in DIR (scripts/check-packages.sh leaves them),
# else packs them. Expects the packages built and pnpm on PATH (scripts/test.sh runs it after both).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/publishable.sh
say() { printf '==> %s\n' "$*"; }

root="$PWD"
cache="$root/.cache/consumer-test"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$cache"

tarballs="${1:-}"
if [[ -z "$tarballs" ]]; then
  tarballs="$work/tarballs"
  pack_publishable "$tarballs"
fi

# A package's range in the pnpm catalog: the consumer installs what the workspace is tested with.
catalog() { sed -n "s|^  '\\{0,1\\}$1'\\{0,1\\}: ||p" "$root/pnpm-workspace.yaml"; }

major() { "$1/node" -p 'process.versions.node.split(".")[0]'; }

# `node_bin MAJOR`: the bin directory of a Node of that major version: the machine's, else npm's build of it.
node_bin() {
  local machine platform dir version
  machine="$(dirname "$(command -v node)")"
  if [[ "$(major "$machine")" == "$1" ]]; then
    echo "$machine"
    return
  fi
  platform="$(node -p '`${process.platform}-${process.arch}`')"
  dir="$(find "$cache" -maxdepth 1 -name "node-${platform}-$1.*" ! -name '*.partial' | sort -V | tail -n 1)"
  if [[ -z "$dir" ]]; then
    say "the machine has no Node $1: fetching it from the npm registry (npm pack node-${platform}@$1)" >&2
    (cd "$work" && npm pack --silent "node-${platform}@$1" >/dev/null)
    version="$(basename "$work"/node-"${platform}"-*.tgz .tgz)"
    dir="$cache/${version}"
    mkdir -p "$dir.partial"
    tar xzf "$work/${version}.tgz" -C "$dir.partial" --strip-components=1
    mv "$dir.partial" "$dir"
  fi
  echo "$dir/bin"
}

# `workspace_sqlite version|dir`: the better-sqlite3 that @countersign/sqlite uses in this workspace.
workspace_sqlite() {
  local manifest
  manifest="$(cd "$root/packages/sqlite" && node -p 'require.resolve("better-sqlite3/package.json")')"
  if [[ "$1" == dir ]]; then dirname "$manifest"; else node -p "require('${manifest}').version"; fi
}

# `native_addon BIN`: better-sqlite3's addon built for that Node (its ABI), from the cache or built by npm rebuild
# against that Node's own headers (node-gyp may not reach nodejs.org for them).
native_addon() {
  local bin="$1" abi version addon built
  abi="$("$bin/node" -p 'process.versions.modules')"
  version="$(node -p 'require("./node_modules/better-sqlite3/package.json").version')"
  addon="$cache/better-sqlite3-${version}-node-abi${abi}-$(node -p '`${process.platform}-${process.arch}`').node"
  built=node_modules/better-sqlite3/build/Release/better_sqlite3.node
  # The workspace's pnpm install built the same addon for the machine's Node: a fresh machine need not build it twice.
  if [[ ! -f "$addon" && "$abi" == "$(node -p 'process.versions.modules')" && "$version" == "$(workspace_sqlite version)" ]]; then
    cp "$(workspace_sqlite dir)/build/Release/better_sqlite3.node" "$addon"
  fi
  if [[ ! -f "$addon" ]]; then
    say "building better-sqlite3 ${version} for Node ABI ${abi} (cached in ${addon#"$root"/})"
    PATH="$bin:$PATH" npm_config_nodedir="$(dirname "$bin")" npm rebuild better-sqlite3 >"$work/rebuild.log" 2>&1 ||
      { cat "$work/rebuild.log"; return 1; }
    cp "$built" "$addon.partial"
    mv "$addon.partial" "$addon"
  fi
  mkdir -p "$(dirname "$built")"
  cp "$addon" "$built"
}

app="$work/app"
mkdir -p "$app"
cp scripts/consumer-test/consumer.ts scripts/consumer-test/tsconfig.*.json "$app/"
printf '{ "name": "countersign-consumer", "private": true, "type": "module" }\n' >"$app/package.json"
cd "$app"

say "installing the $(ls "$tarballs"/*.tgz | wc -l) tarballs with npm into a new project (${app})"
# Scripts off: the only one is better-sqlite3's build, done below per Node.
npm install --no-audit --no-fund --ignore-scripts --loglevel=error "$tarballs"/*.tgz \
  "effect@$(catalog effect)" "ws@$(catalog ws)" "openai@$(catalog openai)" "@ai-sdk/openai@$(catalog @ai-sdk/openai)" \
  "typescript@$(catalog typescript)" "@types/node@$(catalog @types/node)" "@types/ws@$(catalog @types/ws)"
# Every @countersign package must come from a tarball: none is on the registry, and none may be installed twice.
if [[ -n "$(find node_modules -path '*/node_modules/@countersign/*/package.json')" ]]; then
  echo 'error: a @countersign package was installed twice (a version no tarball has?)' >&2
  exit 1
fi

# Declarations are checked too (skipLibCheck off), so a type our packages name from a dependency they do not declare
# fails. Other libraries' own declarations may want the DOM library or types they do not ship: not ours to judge.
typecheck() {
  local errors
  errors="$(node node_modules/typescript/bin/tsc -p "$1" | grep -E '^([^ ].*)?error TS' || true)"
  errors="$(grep -Ev '^node_modules/' <<<"$errors" || true)
$(grep -E '^node_modules/@countersign/' <<<"$errors" || true)"
  errors="$(grep -v '^$' <<<"$errors" || true)"
  if [[ -n "$errors" ]]; then
    printf '%s\n' "$errors"
    say "type-checking consumer.ts FAILED ($1)"
    return 1
  fi
}
say 'type-checking consumer.ts strictly: moduleResolution bundler, then nodenext (emitting the JS that runs)'
typecheck tsconfig.bundler.json
typecheck tsconfig.nodenext.json

for wanted in 20 24; do
  bin="$(node_bin "$wanted")"
  native_addon "$bin"
  say "running it on Node $("$bin/node" --version) (${bin})"
  PATH="$app/node_modules/.bin:$bin:$PATH" "$bin/node" out/consumer.js
  help="$(PATH="$app/node_modules/.bin:$bin:$PATH" countersign --help)"
  grep -q '^Usage: countersign' <<<"$help" || { echo "error: countersign --help printed: ${help}" >&2; exit 1; }
done
say 'consumer test passed: the tarballs install, type-check (nodenext, bundler) and run on Node 20 and 24'
