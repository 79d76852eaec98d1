#!/usr/bin/env bash
# Adds two entries to a copy of the peers harness (shared/bench/peers), so that the durable figures can be read
# like for like:
#   langgraph-sqlite-full      LangGraph's SqliteSaver with every commit synced (PRAGMA synchronous = FULL), as
#                              countersign-sqlite is by default. Without it, the saver runs as better-sqlite3 builds
#                              SQLite (SQLITE_DEFAULT_WAL_SYNCHRONOUS=1): a database in WAL mode syncs at checkpoints
#                              only (synchronous = NORMAL).
#   countersign-sqlite-normal  SqliteStore with `synchronous: 'normal'`, as that saver runs by default.
# With DEBUG_SYNC=1, a LangGraph SQLite run prints the saver's synchronous setting to stderr at teardown
# (1 = NORMAL, 2 = FULL).
#
#   bash bench/peers-like-for-like.sh <copy of shared/bench/peers>
#   cd <copy> && CS_ROOT=<checkout> PEERS="langgraph-sqlite langgraph-sqlite-full countersign-sqlite countersign-sqlite-normal" bash run-all.sh
set -euo pipefail
dir=${1:?usage: bash bench/peers-like-for-like.sh <copy of shared/bench/peers>}
echo "peers-like-for-like: adding langgraph-sqlite-full and countersign-sqlite-normal to $dir"
node - "$dir" <<'EOF'
const { readFileSync, writeFileSync } = require('node:fs')
const { join } = require('node:path')
const dir = process.argv[2]
// Each edit names the text it goes after; a harness that changed fails here rather than being half edited.
const edit = (file, anchor, replacement) => {
  const path = join(dir, file)
  const text = readFileSync(path, 'utf8')
  if (text.includes(replacement)) return
  if (!text.includes(anchor)) throw new Error(`${file}: cannot find ${JSON.stringify(anchor)}`)
  writeFileSync(path, text.replace(anchor, replacement))
}
const saver = "saver = SqliteSaver.fromConnString(join(mkdtempSync(join(tmpdir(), 'lg-peer-')), 'lg.db'));"
edit(
  'peers/langgraph.mjs',
  saver,
  saver +
    "\n      if (process.env.LG_SYNC) { saver.setup(); saver.db.pragma('synchronous = ' + process.env.LG_SYNC.toUpperCase()); }" +
    '\n      globalThis.lgSaver = saver;',
)
edit(
  'peers/langgraph.mjs',
  '  async start(i) {',
  "  async teardown() {\n    if (process.env.DEBUG_SYNC && globalThis.lgSaver) console.error('langgraph synchronous =', globalThis.lgSaver.db.pragma('synchronous', { simple: true }));\n  },\n  async start(i) {",
)
edit(
  'peers/countersign.mjs',
  "store = SqliteStore.make({ path: join(dir, 'bench.db') });",
  "store = SqliteStore.make({ path: join(dir, 'bench.db'), ...(process.env.CS_SYNC ? { synchronous: process.env.CS_SYNC } : {}) });",
)
edit(
  'run-all.sh',
  '  "countersign|peers/countersign.mjs|CS_STORE=memory|subject"',
  '  "langgraph-sqlite-full|peers/langgraph.mjs|LG_SAVER=sqlite LG_SYNC=full|opt"\n' +
    '  "countersign-sqlite-normal|peers/countersign.mjs|CS_STORE=sqlite CS_SYNC=normal|opt"\n' +
    '  "countersign|peers/countersign.mjs|CS_STORE=memory|subject"',
)
EOF
echo "peers-like-for-like: done"
