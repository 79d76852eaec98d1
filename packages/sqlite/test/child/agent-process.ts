/**
 * Run by crash.test.ts (the crash-recovery suite of `@countersign/core/testing`) in processes of
 * its own: opens the SQLite store at PATH and does what the rest of the command line says (see
 * `runAgentProcess`).
 */
import { runAgentProcess } from '@countersign/core/testing/agent-process'
import { SqliteStore } from '../../src/index.js'

const [path, ...command] = process.argv.slice(2)
if (path === undefined) throw new Error('usage: agent-process.ts PATH COMMAND…')

await runAgentProcess(command, () => {
  const store = SqliteStore.make({ path })
  return Promise.resolve({ store, close: () => Promise.resolve(store.close()) })
})
