import { Resolutions } from '@countersign/core'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { connect, eventsOf, followToEnd as follow, useServer } from './harness.js'

/*
 * One run's events fanned out to many WebSocket subscribers, each on a connection of its own,
 * with one client that stops reading: the server neither waits for it nor buffers for it without
 * bound (the fixture server lets a client fall 1 MiB behind).
 */

const server = useServer()

const opened: Array<{ close: () => Promise<void> }> = []
afterEach(async () => {
  await Promise.all(opened.splice(0).map((client) => client.close()))
})
const client = (socketClass?: new (url: string) => WebSocket) => {
  const connected = connect(server(), 'alice', socketClass)
  opened.push(connected)
  return connected.trpc
}

type Event = { readonly _tag: string; readonly seq: number }

/** The sockets a client made: its first, and one more for each reconnect. */
const recordingSockets = () => {
  const made: Array<WebSocket> = []
  class Recorded extends WebSocket {
    constructor(url: string) {
      super(url)
      made.push(this)
    }
  }
  return { made, Recorded }
}

describe('fan-out', () => {
  it('200 subscribers on their own connections each receive every event of a run once, in order; one that stops reading delays none, is cut off, and catches up after it reconnects', async () => {
    const alice = client()
    const run = await alice.runs.start.mutate({ agentId: 'chatty', input: 'Chatter' })
    expect(run.status).toBe('paused')
    const subscribers = Array.from({ length: 200 }, () => follow(client(), run.runId))
    await Promise.all(subscribers.map(({ paused }) => paused))

    // Many subscriptions on one connection, so that what it is sent far exceeds what the sockets buffer.
    const { made, Recorded } = recordingSockets()
    const stalledClient = client(Recorded)
    const stalled = Array.from({ length: 200 }, () => follow(stalledClient, run.runId))
    await Promise.all(stalled.map(({ paused }) => paused))
    expect(made).toHaveLength(1)
    made[0]!.pause()

    // The run goes on and completes while one client reads nothing.
    const done = await alice.runs.continue.mutate({
      runId: run.runId,
      resolutions: [Resolutions.confirm(run.activeRequirementIds[0]!)],
    })
    expect(done).toMatchObject({ status: 'completed', content: 'Done: 60 chunks' })
    await Promise.all(subscribers.map(({ ended }) => ended))

    const stored = await eventsOf<Event>((handlers) =>
      alice.runs.events.subscribe({ runId: run.runId }, handlers),
    )
    expect(stored.map(({ data }) => data.seq)).toStrictEqual(stored.map((_, index) => index + 1))
    expect(stored.at(-1)?.data._tag).toBe('RunCompleted')
    expect(stored.length).toBeGreaterThan(120)
    for (const { received } of subscribers) expect(received).toStrictEqual(stored)

    // Reading again, the stalled client finds its connection cut, reconnects and resumes each subscription.
    made[0]!.resume()
    await Promise.all(stalled.map(({ ended }) => ended))
    expect(made.length).toBeGreaterThan(1)
    for (const { received } of stalled) expect(received).toStrictEqual(stored)
  }, 90_000)
})
