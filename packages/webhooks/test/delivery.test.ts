import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type {} from '@countersign/ferretdb-harness/globalSetup' // types `inject('mongodbUrl')`
import { createClient } from '@countersign/client'
import type { RunStore } from '@countersign/core'
import { MongoStore } from '@countersign/mongodb'
import { type ServerProcess, startServerProcess } from '@countersign/server/testing'
import { SqliteStore } from '@countersign/sqlite'
import { Effect } from 'effect'
import { MongoClient } from 'mongodb'
import { afterAll, afterEach, describe, expect, inject, it, vi } from 'vitest'
import { WebSocket } from 'ws'
import { WebhookChannel } from '../src/index.js'
import { startReceiver } from './receiver.js'

/*
 * The outbox's guarantees with real processes: servers (child processes) over one store, sending
 * to a receiver process that verifies every request. Killed servers are killed with SIGKILL.
 */

const serverEntry = join(import.meta.dirname, 'fixtures', 'notifyingServer.ts')
const directory = mkdtempSync(join(tmpdir(), 'countersign-webhook-delivery-'))
afterAll(() => rmSync(directory, { recursive: true, force: true }))

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const server = async (args: ReadonlyArray<string>): Promise<ServerProcess> => {
  const started = await startServerProcess(serverEntry, args)
  cleanups.push(async () => {
    started.kill()
    await started.ended
  })
  return started
}

const receiver = async (secret: string, answers: ReadonlyArray<string> = []) => {
  const started = await startReceiver(
    secret,
    join(directory, `received-${randomBytes(4).toString('hex')}.jsonl`),
    answers,
  )
  cleanups.push(started.stop)
  return started
}

const clientOf = (process: ServerProcess, token: string) => {
  const client = createClient({ url: process.url, token, WebSocket })
  cleanups.push(async () => void client.close())
  return client
}

/** The stores the tests run on: the store arguments of the server processes, and the store for the test to read. */
const stores = {
  sqlite: async () => {
    const path = join(directory, `countersign-${randomBytes(4).toString('hex')}.db`)
    const store = SqliteStore.make({ path })
    cleanups.push(async () => store.close())
    return { args: ['sqlite', path], store: store as RunStore }
  },
  ferretdb: async () => {
    const url = inject('mongodbUrl')
    const dbName = `countersign_test_${randomBytes(6).toString('hex')}`
    const store = await MongoStore.connect({ url, dbName })
    cleanups.push(async () => {
      await store.close()
      const client = await new MongoClient(url, { serverSelectionTimeoutMS: 5_000 }).connect()
      await client.db(dbName).dropDatabase()
      await client.close()
    })
    return { args: ['mongodb', url, dbName], store: store as RunStore }
  },
}

const deliveriesOf = (store: RunStore, runId: string) => Effect.runPromise(store.listDeliveries({ runId }))

describe.each(Object.entries(stores))('webhook deliveries on %s', (_name, openStore) => {
  it('a server killed (SIGKILL) while it delivers: after a restart the delivery arrives, once', async () => {
    const secret = WebhookChannel.generateSecret()
    const { args, store } = await openStore()
    // The first request is held, unanswered, until the server that sent it is dead.
    const endpoint = await receiver(secret, ['hold'])
    const serverArgs = [...args, '--webhook', endpoint.url, secret, '--attempt-lease', '3000']
    const first = await server(serverArgs)

    const paused = await clientOf(first, 'alice-token').runs.start('finance', 'Refund A-1')
    expect(paused.status).toBe('paused')
    const [, , heldId] = (await endpoint.request(1)).split(' ')
    first.kill('SIGKILL')
    await first.ended
    expect(endpoint.received()).toStrictEqual([])

    await server(serverArgs)
    await vi.waitFor(
      async () =>
        expect(await deliveriesOf(store, paused.runId)).toMatchObject([{ status: 'delivered', attempts: 2 }]),
      { timeout: 20_000, interval: 100 },
    )
    const received = endpoint.received()
    expect(received.map(({ notification }) => [notification.id, notification.event])).toStrictEqual([
      [heldId, 'requirement.raised'],
    ])
    expect(received[0]?.notification.run.runId).toBe(paused.runId)
    // Two requests in all: the one the dead server never saw answered, and the one delivered.
    expect(endpoint.requestCount()).toBe(2)
  }, 60_000)
})

describe('webhook deliveries from three servers on one MongoDB (FerretDB)', () => {
  it('every delivery is sent once: no request repeated, whichever server wrote or sent it', async () => {
    const secret = WebhookChannel.generateSecret()
    const { args, store } = await stores.ferretdb()
    const endpoint = await receiver(secret)
    const servers = await Promise.all(
      [0, 1, 2].map(() => server([...args, '--webhook', endpoint.url, secret])),
    )
    const users = servers.map((process) => clientOf(process, 'alice-token'))
    const approvers = servers.map((process) => clientOf(process, 'ann-token'))

    // Six runs, started on the three servers in turn, each decided on the next one.
    const runs = await Promise.all(
      [0, 1, 2, 3, 4, 5].map((n) => users[n % 3]!.runs.start('finance', `Refund ${n}`)),
    )
    await Promise.all(
      runs.map((run, n) =>
        approvers[(n + 1) % 3]!.approvals.decide(run.activeRequirementIds[0]!, { approved: true }),
      ),
    )

    const expected = runs.flatMap((run) => {
      const id = run.activeRequirementIds[0]!
      return [`${id}.raised`, `${id}.decided`]
    })
    await vi.waitFor(
      async () => {
        const all = (await Promise.all(runs.map((run) => deliveriesOf(store, run.runId)))).flat()
        expect(all.map(({ status }) => status)).toStrictEqual(expected.map(() => 'delivered'))
      },
      { timeout: 30_000, interval: 200 },
    )
    const ids = endpoint.received().map(({ notification }) => notification.id)
    expect([...ids].sort()).toStrictEqual([...expected].sort())
    expect(endpoint.requestCount()).toBe(expected.length)
  }, 60_000)
})
