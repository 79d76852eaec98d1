/**
 * Run by crash.test.ts in its own process: commits a paused run through the store, says so on
 * stdout, then starts a write it never commits and waits to be killed in the middle of it.
 */
import Database from 'better-sqlite3'
import { Effect } from 'effect'
import { SqliteStore } from '../../src/index.js'
import { pausedRun, writePausedRun } from '../pausedRun.js'

const [path, runId] = process.argv.slice(2)
if (path === undefined || runId === undefined) throw new Error('usage: commit-then-hang.ts PATH RUN_ID')

const store = SqliteStore.make({ path })
await Effect.runPromise(writePausedRun(store, pausedRun(runId)))
process.stdout.write('committed\n')

// A second connection, as a crashed writer would leave it: a transaction begun, rows written, no COMMIT.
const db = new Database(path)
db.exec('BEGIN IMMEDIATE')
db.prepare(`UPDATE runs SET status = 'completed', doc = json_set(doc, '$.status', 'completed')`).run()
db.prepare(`INSERT INTO events (run_id, seq, doc) VALUES (?, 99, '{}')`).run(runId)
process.stdout.write('writing\n')

// Keep the process (and its open transaction) alive until the parent kills it.
setInterval(() => undefined, 60_000)
