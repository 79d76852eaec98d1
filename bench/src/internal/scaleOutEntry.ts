/**
 * A server process of the scale-out benchmark: `createServer` serving the benchmark's agent over
 * MongoDB (`<url> <dbName>`, shared with the other servers), on a free port of 127.0.0.1, its
 * store's commands counted by command monitoring. Its follow interval is the default (200 ms); it
 * sweeps every second, one server of the fleet at a time (the sweeper's lease).
 *
 * It prints `listening <port>` when ready, and reads commands, one a line, from stdin:
 *
 * - `commands`: prints `commands <reads> <writes>`, the store's read and write commands so far.
 * - `timings`: prints `timings <json>`, the store's commands so far by kind — the command, its
 *   collection and its filter's shape, `find events _id:$in` — each with how many ended and the
 *   milliseconds they took in all, as the driver saw them (the database's queue included).
 *
 * On SIGTERM, or when its stdin ends, it closes the server and the store and exits.
 */
import { createInterface } from 'node:readline'
import { MongoStore } from '@countersign/mongodb'
import { countCommands } from '@countersign/mongodb/testing'
import { createServer, staticTokens } from '@countersign/server'
import type { CommandStartedEvent, CommandSucceededEvent, Document } from 'mongodb'
import { MongoClient } from 'mongodb'
import { confirmOnce } from '../confirmOnce.js'
import { benchToken } from './credentials.js'

const [url, dbName] = process.argv.slice(2)
if (url === undefined || dbName === undefined)
  throw new Error('expected the arguments: <mongodb url> <dbName>')

const client = await new MongoClient(url, { monitorCommands: true }).connect()
const counter = countCommands(client)
const store = await MongoStore.connect({ client, dbName })

/** A filter's shape: its fields, each with its operators (`runId seq:$gt`), or the operator itself (`$or`). */
const shapeOf = (filter: Document | undefined) =>
  Object.entries(filter ?? {})
    .map(([field, value]) => {
      const operators = typeof value === 'object' && value !== null ? Object.keys(value as Document) : []
      return operators.length > 0 && operators.every((key) => key.startsWith('$'))
        ? `${field}:${operators.join(',')}`
        : field
    })
    .join(' ')

const started = new Map<number, string>()
const timings: Record<string, { count: number; totalMs: number }> = {}
client.on('commandStarted', ({ requestId, commandName, command }: CommandStartedEvent) => {
  const collection: unknown = command[commandName]
  const filter = (command['filter'] ?? command['q']) as Document | undefined
  started.set(requestId, `${commandName} ${String(collection)} ${shapeOf(filter)}`.trim())
})
client.on('commandSucceeded', ({ requestId, duration }: CommandSucceededEvent) => {
  const kind = started.get(requestId)
  if (kind === undefined) return
  started.delete(requestId)
  const timing = (timings[kind] ??= { count: 0, totalMs: 0 })
  timing.count++
  timing.totalMs += duration
})
client.on('commandFailed', ({ requestId }) => void started.delete(requestId))

const server = createServer({
  store,
  agents: [confirmOnce],
  sweepEvery: '1 second',
  // The bench's one user follows runs and the approval queue alike.
  authenticate: staticTokens({ [benchToken]: { id: 'bench', roles: ['user', 'approver'] } }),
})

const stop = async () => {
  await server.close()
  await store.close()
  await client.close()
  process.exit(0)
}
process.once('SIGTERM', () => void stop())
createInterface({ input: process.stdin })
  .on('line', (command) => {
    if (command === 'timings') console.log(`timings ${JSON.stringify(timings)}`)
    if (command !== 'commands') return
    const { reads, writes } = counter.snapshot()
    console.log(`commands ${reads} ${writes}`)
  })
  .once('close', () => void stop())

const { port } = await server.listen(0, '127.0.0.1')
console.log(`listening ${port}`)
