/**
 * A server process of the scale-out benchmark: `createServer` serving the benchmark's agent over
 * MongoDB (`<url> <dbName>`, shared with the other servers), on a free port of 127.0.0.1, its
 * store's commands counted by command monitoring. Its follow interval is the default (200 ms); it
 * sweeps every second, one server of the fleet at a time (the sweeper's lease).
 *
 * It prints `listening <port>` when ready, and reads commands, one a line, from stdin:
 *
 * - `commands`: prints `commands <reads> <writes>`, the store's read and write commands so far.
 *
 * On SIGTERM, or when its stdin ends, it closes the server and the store and exits.
 */
import { createInterface } from 'node:readline'
import { MongoStore } from '@countersign/mongodb'
import { countCommands } from '@countersign/mongodb/testing'
import { createServer, staticTokens } from '@countersign/server'
import { MongoClient } from 'mongodb'
import { confirmOnce } from '../confirmOnce.js'
import { benchToken } from './credentials.js'

const [url, dbName] = process.argv.slice(2)
if (url === undefined || dbName === undefined)
  throw new Error('expected the arguments: <mongodb url> <dbName>')

const client = await new MongoClient(url, { monitorCommands: true }).connect()
const counter = countCommands(client)
const store = await MongoStore.connect({ client, dbName })

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
    if (command !== 'commands') return
    const { reads, writes } = counter.snapshot()
    console.log(`commands ${reads} ${writes}`)
  })
  .once('close', () => void stop())

const { port } = await server.listen(0, '127.0.0.1')
console.log(`listening ${port}`)
