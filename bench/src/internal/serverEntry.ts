/**
 * The server process of the server benchmark: `createServer` serving the benchmark's agent over
 * the store its arguments name, on a free port of 127.0.0.1:
 *
 * - `memory`: a memory store of its own;
 * - `sqlite <path>`: the embedded store, a SQLite file at `<path>` (the benchmark made its
 *   directory and removes it).
 *
 * It prints `listening <port>` when ready, and reads commands, one a line, from stdin:
 *
 * - `cpu`: prints `cpu <ms>`, the CPU time this process has used so far, in milliseconds.
 *
 * On SIGTERM, or when its stdin ends (the benchmark's process is gone, however it ended), it
 * closes the server and the store and exits.
 */
import { createInterface } from 'node:readline'
import { createServer, staticTokens } from '@countersign/server'
import { SqliteStore } from '@countersign/sqlite'
import { confirmOnce } from '../confirmOnce.js'
import { cpuMs } from '../cpu.js'
import { benchToken, benchUser } from './credentials.js'

const openStore = (args: ReadonlyArray<string>) => {
  const [kind, path] = args
  if (kind === 'memory') return undefined
  if (kind === 'sqlite' && path !== undefined) return SqliteStore.make({ path })
  throw new Error(`unknown store arguments: ${args.join(' ')} (expected: memory, or sqlite <path>)`)
}

const store = openStore(process.argv.slice(2))

const server = createServer({
  ...(store === undefined ? {} : { store }),
  agents: [confirmOnce],
  sweepEvery: false,
  authenticate: staticTokens({ [benchToken]: benchUser }),
})

const stop = async () => {
  await server.close()
  store?.close()
  process.exit(0)
}
process.once('SIGTERM', () => void stop())
createInterface({ input: process.stdin })
  .on('line', (command) => {
    if (command === 'cpu') console.log(`cpu ${cpuMs(process.cpuUsage())}`)
  })
  .once('close', () => void stop())

const { port } = await server.listen(0, '127.0.0.1')
console.log(`listening ${port}`)
