import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Resolutions } from '@countersign/core'
import { MongoClient } from 'mongodb'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import type { ServerProcess } from '../src/testing/index.js'
import { connect, eventsOf, followToEnd as follow } from './harness.js'
import { useSharedServers } from './sharedServers.js'
import { ferretDb, sqliteFile } from './stores.js'

/*
 * Three server processes on one store (FerretDB, and a SQLite file for the many subscribers): each
 * follows the store once for all its subscribers, and one of them sweeps. Subscribers keep their guarantees across a server killed
 * (SIGKILL) and restarted; a server's many subscribers all get every event; the sweeper's lease
 * moves to another server when its holder is killed.
 */

type Event = { readonly _tag: string; readonly seq: number; readonly lapsed?: string }
type Trpc = ReturnType<typeof connect>['trpc']

// Alice's clients of the servers, closed after each test.
const clients: Array<{ close: () => Promise<void> }> = []
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()))
})
const clientOf = (server: ServerProcess) => {
  const client = connect(server, 'alice')
  clients.push(client)
  return client.trpc
}

const storedEvents = (trpc: Trpc, runId: string) =>
  eventsOf<Event>((handlers) => trpc.runs.events.subscribe({ runId }, handlers))

describe('scale-out: three servers on one MongoDB', () => {
  const shared = useSharedServers(ferretDb, {
    args: ['--sweep-every', '100', '--sweeper-lease', '1000'],
    stderrLacks: 'a pass failed',
  })
  let mongo: MongoClient | undefined
  beforeAll(async () => {
    mongo = await new MongoClient(shared().args[1]!).connect()
  })
  afterAll(async () => {
    await mongo?.close()
  })

  it('a subscriber on each server sees every event once, in order, across a server killed and restarted', async () => {
    const { servers, start } = shared()
    const [a, b, c] = servers.map(clientOf)
    const run = await a!.runs.start.mutate({ agentId: 'chatty', input: 'Chatter' })
    expect(run.status).toBe('paused')
    const subscribers = [a!, b!, c!].map((trpc) => follow(trpc, run.runId))
    await Promise.all(subscribers.map(({ paused }) => paused))

    // B dies; the run goes on through C meanwhile; B comes back on its port, and its client reconnects.
    const killed = servers[1]!
    killed.kill('SIGKILL')
    await killed.ended
    const continued = c!.runs.continue.mutate({
      runId: run.runId,
      resolutions: [Resolutions.confirm(run.activeRequirementIds[0]!)],
    })
    servers[1] = await start(['--port', String(killed.port)])
    expect(await continued).toMatchObject({ status: 'completed', content: 'Done: 60 chunks' })
    await Promise.all(subscribers.map(({ ended }) => ended))

    const stored = await storedEvents(a!, run.runId)
    expect(stored.map(({ data }) => data.seq)).toStrictEqual(stored.map((_, index) => index + 1))
    expect(stored.at(-1)?.data._tag).toBe('RunCompleted')
    for (const { received } of subscribers) expect(received).toStrictEqual(stored)
  }, 90_000)

  /** The process holding the sweeper's lease, by the name it is written under (`pid-<pid> <id>`). */
  const leaseHolder = async () => {
    const { args, servers } = shared()
    const [latest] = await mongo!
      .db(args[2])
      .collection<{ _id: number; holder: string; expiresAt: number }>('sweeper_leases')
      .find({})
      .sort({ _id: -1 })
      .limit(1)
      .toArray()
    const pid = Number(/^pid-(\d+) /.exec(latest?.holder ?? '')?.[1])
    return servers.find((server) => server.pid === pid)
  }

  it('the sweeper lease moves to another server when its holder is killed, and an expiry happens once', async () => {
    const { servers, start, directory } = shared()
    // A server starts its engine, and its sweeper, with its first call.
    await Promise.all(servers.map((server) => clientOf(server).runs.list.query({})))
    const holder = await vi.waitFor(
      async () => {
        const found = await leaseHolder()
        if (found === undefined) throw new Error('no server holds the sweeper lease yet')
        return found
      },
      { timeout: 10_000, interval: 50 },
    )

    holder.kill('SIGKILL')
    await holder.ended
    const [starter, watcher] = servers.filter((server) => server !== holder).map(clientOf)
    // Its approval expires a second after the pause, with no approver: the sweeper rejects the call.
    const paused = await starter!.runs.start.mutate({ agentId: 'expiring', input: 'Move 5' })
    expect(paused.status).toBe('paused')
    const events = await storedEvents(watcher!, paused.runId)

    const survivors = servers.filter((server) => server !== holder)
    expect(survivors).toContain(await leaseHolder())
    const tags = events.map(({ data }) => data._tag)
    expect(events.filter(({ data }) => data._tag === 'RequirementResolved')).toMatchObject([
      { data: { lapsed: 'expired' } },
    ])
    expect(tags.filter((tag) => tag === 'RunContinued')).toHaveLength(1)
    expect(tags.at(-1)).toBe('RunCompleted')
    expect(events.map(({ data }) => data.seq)).toStrictEqual(events.map((_, index) => index + 1))
    const ledger = readFileSync(join(directory, 'ledger'), 'utf8')
    expect(ledger).not.toContain(paused.runId)
    // The killed holder is replaced, on its port, for the suite's end.
    servers[servers.indexOf(holder)] = await start(['--port', String(holder.port)])
  }, 60_000)
})

// The fan-out is the server's own, whatever the store: one SQLite file shared by three servers keeps the
// 1,000 subscriptions' opening reads quick.
describe('scale-out: 1,000 subscribers on one of three servers on one SQLite file', () => {
  const sqliteShared = useSharedServers(sqliteFile, { stderrLacks: 'after a decision failed' })

  it('1,000 subscribers on one server get every event of a run written through another', async () => {
    const { servers } = sqliteShared()
    const writer = clientOf(servers[0]!)
    const run = await writer.runs.start.mutate({ agentId: 'chatty', input: 'Chatter' })
    // Ten connections of a hundred subscriptions each, all to server C.
    const subscribers = Array.from({ length: 10 }, () => clientOf(servers[2]!)).flatMap((trpc) =>
      Array.from({ length: 100 }, () => follow(trpc, run.runId)),
    )
    await Promise.all(subscribers.map(({ paused }) => paused))

    const done = await writer.runs.continue.mutate({
      runId: run.runId,
      resolutions: [Resolutions.confirm(run.activeRequirementIds[0]!)],
    })
    expect(done.status).toBe('completed')
    await Promise.all(subscribers.map(({ ended }) => ended))

    const stored = await storedEvents(writer, run.runId)
    expect(stored.length).toBeGreaterThan(120)
    expect(subscribers).toHaveLength(1_000)
    for (const { received } of subscribers) expect(received).toStrictEqual(stored)
  }, 120_000)
})
