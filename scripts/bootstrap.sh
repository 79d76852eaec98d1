#!/usr/bin/env bash
# Shared set-up for scripts/demo.sh and scripts/test.sh; they source it from the repository root.
# Puts pnpm on PATH (tools such as turbo look for it there) and installs the workspace's packages.
# Needs only Node.js (>= 20.19) and npm, and no terminal: CI runs it without standard input.
set -euo pipefail

PNPM_VERSION=10.34.9

say() { printf '==> %s\n' "$*"; }

command -v node >/dev/null 2>&1 || { echo 'error: Node.js (>= 20.19) is required' >&2; exit 1; }
say "node $(node --version) at $(command -v node)"

# Native addons (later packages) build against the headers of the running Node, not a download.
if [[ -z "${npm_config_nodedir:-}" ]]; then
  npm_config_nodedir="$(dirname "$(dirname "$(command -v node)")")"
  export npm_config_nodedir
fi

# Corepack checks pnpm's signature against keys bundled with it, which can be older than the
# release; the version is pinned here and in package.json instead. Never prompt: CI has no stdin.
export COREPACK_INTEGRITY_KEYS=0
export COREPACK_ENABLE_DOWNLOAD_PROMPT=0

# A `pnpm` launcher for this shell and its children, whatever is (not) installed globally.
PNPM_BIN_DIR="$(mktemp -d)"
trap 'rm -rf "$PNPM_BIN_DIR"' EXIT
say "ensuring pnpm ${PNPM_VERSION}"
if command -v corepack >/dev/null 2>&1 && corepack "pnpm@${PNPM_VERSION}" --version </dev/null >/dev/null 2>&1; then
  say "using pnpm ${PNPM_VERSION} via corepack"
  printf '#!/usr/bin/env bash\nexec corepack pnpm@%s "$@"\n' "$PNPM_VERSION" >"$PNPM_BIN_DIR/pnpm"
else
  say "corepack is missing or failed: using pnpm ${PNPM_VERSION} via npm exec"
  printf '#!/usr/bin/env bash\nexec npm exec --yes pnpm@%s -- "$@"\n' "$PNPM_VERSION" >"$PNPM_BIN_DIR/pnpm"
fi
chmod +x "$PNPM_BIN_DIR/pnpm"
export PATH="$PNPM_BIN_DIR:$PATH"
pnpm --version </dev/null >/dev/null || { echo "error: cannot run pnpm ${PNPM_VERSION}" >&2; exit 1; }

# The control panel's browser tests drive Debian's chromium: playwright cannot download browsers here.
if [[ ! -x /usr/bin/chromium ]]; then
  if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    say 'installing chromium for the browser tests (apt-get install chromium)'
    { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; } </dev/null ||
      say 'could not install chromium: the control panel tests will fail until it is installed'
  else
    say 'chromium is missing: the control panel tests need it (as root: apt-get install -y chromium)'
  fi
fi

say 'installing packages (pnpm install --frozen-lockfile)'
# Never ask whether to purge an outdated node_modules (there may be nobody to answer), and leave
# standard input alone: it belongs to the command that runs next (`echo y | bash scripts/demo.sh`).
pnpm install --frozen-lockfile --config.confirmModulesPurge=false </dev/null
