import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Resolutions } from '@countersign/core'
import { afterEach, describe, expect, it } from 'vitest'
import type { FixtureUser } from '../src/testing/index.js'
import { followChanges, summaryOf } from './approvalFeed.js'
import { connect, eventsOf, failure } from './harness.js'
import { useSharedServers } from './sharedServers.js'
import { ferretDb, sqliteFile } from './stores.js'

/*
 * Several server processes share one store: the servers are stateless, the database is the
 * engine. A run started through one is resolved through a second and streamed from a third. The
 * scenario runs on FerretDB (the MongoDB protocol without change streams) and on one SQLite file
 * opened by three processes.
 */

const seqsOf = (events: ReadonlyArray<{ data: { seq: number } }>) => events.map(({ data }) => data.seq)
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index)

describe.each([ferretDb, sqliteFile])('three servers on $name', (store) => {
  // A continue lost to another server is no failure: none was reported.
  const shared = useSharedServers(store, { stderrLacks: 'after a decision failed' })

  const clients: Array<{ close: () => Promise<void> }> = []
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()))
  })

  /** A user's client (alice's by default) of each of the three servers. */
  const instances = (user: FixtureUser = 'alice') => {
    const [a, b, c] = shared().servers.map((server) => {
      const client = connect(server, user)
      clients.push(client)
      return client.trpc
    })
    return { a: a!, b: b!, c: c! }
  }

  /** The transfer calls the servers ran for the run, from the ledger they all append to. */
  const callsOf = (runId: string) =>
    readFileSync(join(shared().directory, 'ledger'), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith(`${runId} `))

  it('a run started through A and resolved through B streams to a subscriber on C, in order, without gaps', async () => {
    const { a, b, c } = instances()
    const paused = await a.runs.start.mutate({ agentId: 'assistant', input: 'Move 100' })
    expect(paused.status).toBe('paused')
    const requirementId = paused.activeRequirementIds[0]!

    let decided: Promise<unknown> | undefined
    const events = await eventsOf<{ _tag: string; seq: number }>((handlers) =>
      c.runs.events.subscribe(
        { runId: paused.runId },
        {
          ...handlers,
          onData: (value) => {
            handlers.onData(value)
            // Decided through B once C has seen the pause: the rest must reach C from the store.
            if (value.data._tag === 'RunPaused')
              decided = b.runs.continue.mutate({
                runId: paused.runId,
                resolutions: [Resolutions.confirm(requirementId)],
              })
          },
        },
      ),
    )
    expect(await decided).toMatchObject({ status: 'completed', content: 'Done: moved 100' })

    const tags = events.map(({ data }) => data._tag)
    const pausedAt = tags.indexOf('RunPaused')
    expect(tags[0]).toBe('RunStarted')
    expect(tags[pausedAt + 1]).toBe('RequirementResolved')
    expect(tags.at(-1)).toBe('RunCompleted')
    // Consecutive sequence numbers from 1: none lost, none repeated; the ids track them.
    expect(seqsOf(events)).toStrictEqual(range(1, events.length))
    expect(events.map(({ id }) => id)).toStrictEqual(seqsOf(events).map(String))
    // What C streamed is what A reads back from the store.
    const stored = await eventsOf<{ _tag: string; seq: number }>((handlers) =>
      a.runs.events.subscribe({ runId: paused.runId }, handlers),
    )
    expect(stored.map(({ data }) => data)).toStrictEqual(events.map(({ data }) => data))
    expect(callsOf(paused.runId)).toHaveLength(1)
  })

  it('a subscriber on C that reconnects after a pause resumes from its last event, hearing B continue the run', async () => {
    const { a, b, c } = instances()
    const paused = await a.runs.start.mutate({ agentId: 'assistant', input: 'Move 100' })
    // The subscriber leaves at the pause, as a client whose connection is cut would.
    const lastSeq = await new Promise<number>((resolve, reject) => {
      const subscription = c.runs.events.subscribe(
        { runId: paused.runId },
        {
          onData: ({ data }) => {
            if (data._tag !== 'RunPaused') return
            subscription.unsubscribe()
            resolve(data.seq)
          },
          onError: reject,
        },
      )
    })
    await b.runs.resolve.mutate({
      runId: paused.runId,
      resolutions: [Resolutions.confirm(paused.activeRequirementIds[0]!)],
    })
    const continued = b.runs.continue.mutate({ runId: paused.runId })
    const rest = await eventsOf<{ _tag: string; seq: number }>((handlers) =>
      c.runs.events.subscribe({ runId: paused.runId, lastEventId: String(lastSeq) }, handlers),
    )
    expect((await continued).status).toBe('completed')
    expect(seqsOf(rest)).toStrictEqual(range(lastSeq + 1, lastSeq + rest.length))
    expect(rest[0]!.data._tag).toBe('RequirementResolved')
    expect(rest.at(-1)!.data._tag).toBe('RunCompleted')
  })

  it('two approvals of a run decided at once through A and B: the run goes on by itself, once, streamed to C', async () => {
    const { a, c } = instances()
    const approvers = instances('ann')
    const paused = await a.runs.start.mutate({ agentId: 'refunds', input: 'Refund both' })
    const [first, second] = paused.activeRequirementIds
    const events = eventsOf<{ _tag: string; seq: number }>((handlers) =>
      c.runs.events.subscribe({ runId: paused.runId }, handlers),
    )
    // Each decider's server may find the other's decision recorded and try to continue: one does.
    await Promise.all([
      approvers.a.approvals.decide.mutate({ approvalId: first!, answer: { approved: true } }),
      approvers.b.approvals.decide.mutate({ approvalId: second!, answer: { approved: true } }),
    ])
    const received = await events
    const tags = received.map(({ data }) => data._tag)
    expect(tags.filter((tag) => tag === 'RunContinued')).toHaveLength(1)
    expect(tags.at(-1)).toBe('RunCompleted')
    expect(seqsOf(received)).toStrictEqual(range(1, received.length))
    expect(await c.runs.get.query({ runId: paused.runId })).toMatchObject({
      status: 'completed',
      content: 'Done: refunded 10 | refunded 20',
    })
  })

  it('an approval raised through A and decided through B reaches a subscriber on C, in order, from the store', async () => {
    const { a } = instances()
    const { b, c } = instances('ann')
    const { changeSeq } = await c.approvals.list.query({ status: 'pending' })
    const feed = followChanges(c, { afterSeq: changeSeq })

    const paused = await a.runs.start.mutate({ agentId: 'finance', input: 'Refund 500' })
    const approvalId = paused.activeRequirementIds[0]!
    // C hears of it from the store: A wrote it.
    await feed.until(1)
    await b.approvals.decide.mutate({ approvalId, answer: { approved: true } })
    await feed.until(2)

    expect(feed.changes().slice(0, 2).map(summaryOf)).toStrictEqual([
      { seq: changeSeq + 1, approvalId, status: 'pending', approvalStatus: 'pending' },
      { seq: changeSeq + 2, approvalId, status: 'approved', approvalStatus: 'approved' },
    ])
    expect(feed.received.slice(0, 2).map(({ id }) => id)).toStrictEqual([
      String(changeSeq + 1),
      String(changeSeq + 2),
    ])
    expect(feed.changes()[1]!.approval.resolvedBy).toStrictEqual({ id: 'ann', roles: ['approver'] })
  })

  it('two servers continuing the same run at once: exactly one wins, the gated tool runs once', async () => {
    const { a, b, c } = instances()
    for (let round = 0; round < 3; round++) {
      const paused = await a.runs.start.mutate({ agentId: 'assistant', input: 'Move 100' })
      await c.runs.resolve.mutate({
        runId: paused.runId,
        resolutions: [Resolutions.confirm(paused.activeRequirementIds[0]!)],
      })
      const outcomes = await Promise.allSettled([
        a.runs.continue.mutate({ runId: paused.runId }),
        b.runs.continue.mutate({ runId: paused.runId }),
      ])
      const won = outcomes.filter((outcome) => outcome.status === 'fulfilled')
      expect(won).toHaveLength(1)
      expect(won[0]!.value).toMatchObject({ status: 'completed', content: 'Done: moved 100' })
      const lost = outcomes.find((outcome) => outcome.status === 'rejected')!
      const { code } = await failure(Promise.reject(lost.reason as Error))
      expect(['CONFLICT', 'PRECONDITION_FAILED']).toContain(code)
      expect(callsOf(paused.runId)).toHaveLength(1)
      expect((await c.runs.get.query({ runId: paused.runId })).status).toBe('completed')
    }
  })
})
