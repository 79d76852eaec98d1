# Sourced by the packaging checks: `publishable` prints the directory of every workspace package that is
# published (not `private`), one a line. Needs pnpm on PATH (scripts/bootstrap.sh).
publishable() {
  pnpm ls -r --depth -1 --json |
    node -e 'for (const p of JSON.parse(require("fs").readFileSync(0, "utf8"))) if (!p.private) console.log(p.path)'
}

# `pack_publishable DIR`: packs each of them into DIR as the registry would receive it (pnpm pack: `workspace:` and
# `catalog:` ranges replaced by versions, publishConfig's exports in place of the workspace's).
pack_publishable() {
  local dir
  mkdir -p "$1"
  for dir in $(publishable); do
    (cd "$dir" && pnpm pack --pack-destination "$1" >/dev/null)
  done
}
