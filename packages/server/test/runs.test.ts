import { Resolutions } from '@countersign/core'
import { describe, expect, it } from 'vitest'
import { eventsOf, sqliteFileArgs, useClients, useServer } from './harness.js'

describe.each([
  { store: 'the memory store', args: (): ReadonlyArray<string> => [] },
  { store: 'a SQLite file', args: sqliteFileArgs },
])('on $store', ({ args }) => {
  const server = useServer(args())
  const as = useClients(server)

  describe('runs over the wire', () => {
    it('lists the agents and teams served', async () => {
      expect(await as('alice').definitions.list.query()).toStrictEqual([
        { id: 'assistant', name: 'Assistant', kind: 'agent' },
        { id: 'chatty', name: 'Chatty', kind: 'agent' },
        { id: 'expiring', name: 'Expiring', kind: 'agent' },
        { id: 'exporter', name: 'Exporter', kind: 'agent' },
        { id: 'finance', name: 'Finance', kind: 'agent' },
        { id: 'flaky', name: 'Flaky', kind: 'agent' },
        { id: 'guarded_holder', name: 'Guarded holder', kind: 'agent' },
        { id: 'holder', name: 'Holder', kind: 'agent' },
        { id: 'payments', name: 'Payments', kind: 'agent' },
        { id: 'payouts', name: 'Payouts', kind: 'agent' },
        { id: 'refunds', name: 'Refunds', kind: 'agent' },
        { id: 'slow', name: 'Slow', kind: 'agent' },
        { id: 'treasury', name: 'Treasury', kind: 'agent' },
        { id: 'vault', name: 'Vault', kind: 'agent' },
        { id: 'support', name: 'Support team', kind: 'team' },
      ])
    })

    it('a run pauses on a confirmation; the client sees the requirement, continues with a decision, and the run completes', async () => {
      const alice = as('alice')
      const paused = await alice.runs.start.mutate({ agentId: 'assistant', input: 'Move 100' })
      expect(paused).toMatchObject({ status: 'paused', userId: 'alice', agentId: 'assistant' })
      const [requirementId] = paused.activeRequirementIds
      expect(paused.requirements).toMatchObject([
        {
          id: requirementId,
          kind: 'confirmation',
          toolCall: { name: 'transfer', args: { amount: 100 } },
          isResolved: false,
        },
      ])
      expect(await alice.runs.get.query({ runId: paused.runId })).toStrictEqual(paused)

      const done = await alice.runs.continue.mutate({
        runId: paused.runId,
        resolutions: [Resolutions.confirm(requirementId!)],
      })
      expect(done).toMatchObject({
        status: 'completed',
        content: 'Done: moved 100',
        activeRequirementIds: [],
      })
      expect(done.requirements[0]).toMatchObject({ isResolved: true, resolvedBy: { id: 'alice' } })
    })

    it('resolve records a decision and leaves the run paused; continue then moves it on', async () => {
      const alice = as('alice')
      const paused = await alice.runs.start.mutate({ agentId: 'assistant', input: 'Move 100' })
      const requirementId = paused.activeRequirementIds[0]!
      const [resolved] = await alice.runs.resolve.mutate({
        runId: paused.runId,
        resolutions: [Resolutions.reject(requirementId, 'not today')],
      })
      expect(resolved).toMatchObject({
        id: requirementId,
        status: 'resolved',
        resolution: { value: { approved: false } },
      })
      expect((await alice.runs.get.query({ runId: paused.runId })).status).toBe('paused')
      const done = await alice.runs.continue.mutate({ runId: paused.runId })
      expect(done.status).toBe('completed')
      expect(done.toolExecutions).toMatchObject([{ toolName: 'transfer', status: 'skipped' }])
    })

    it('cancels a paused run', async () => {
      const alice = as('alice')
      const paused = await alice.runs.start.mutate({ agentId: 'assistant', input: 'Move 100' })
      expect(await alice.runs.cancel.mutate({ runId: paused.runId })).toMatchObject({ status: 'cancelled' })
    })

    it("a team's run pauses on its member's confirmation and completes once it is given", async () => {
      const alice = as('alice')
      const paused = await alice.runs.start.mutate({ agentId: 'support', input: 'Move 7' })
      expect(paused).toMatchObject({ status: 'paused', kind: 'team' })
      expect(paused.requirements[0]).toMatchObject({ kind: 'confirmation', member: { agentId: 'worker' } })
      const done = await alice.runs.continue.mutate({
        runId: paused.runId,
        resolutions: [Resolutions.confirm(paused.activeRequirementIds[0]!)],
      })
      expect(done.status).toBe('completed')
    })

    it('an approval is decided by an approver, and the run goes on by itself', async () => {
      const alice = as('alice')
      const ann = as('ann')
      const paused = await alice.runs.start.mutate({ agentId: 'finance', input: 'Refund A-1' })
      const page = await ann.approvals.list.query({ runId: paused.runId })
      expect(page.total).toBe(1)
      const [pending] = page.approvals
      expect(pending).toMatchObject({ status: 'pending', toolName: 'process_refund', userId: 'alice' })
      expect(await ann.approvals.count.query({ runId: paused.runId, status: 'pending' })).toBe(1)
      expect(await ann.approvals.get.query({ approvalId: pending!.id })).toStrictEqual(pending)
      const decided = await ann.approvals.decide.mutate({
        approvalId: pending!.id,
        answer: { approved: true },
      })
      expect(decided).toMatchObject({ status: 'approved', resolvedBy: { id: 'ann' } })
      // The subscription ends with the run, which nobody continued.
      const events = await eventsOf<{ _tag: string }>((handlers) =>
        alice.runs.events.subscribe({ runId: paused.runId }, handlers),
      )
      expect(events.at(-1)?.data._tag).toBe('RunCompleted')
      expect(await alice.runs.get.query({ runId: paused.runId })).toMatchObject({
        status: 'completed',
        content: 'Done: refunded 500',
      })
    })
  })

  describe('run events', () => {
    it('with stream, start answers at once; the subscription spans the pause and ends with the run, seqs consecutive', async () => {
      const alice = as('alice')
      const started = await alice.runs.start.mutate({ agentId: 'assistant', input: 'Move 100', stream: true })
      expect(started.runId).toBeTruthy()
      const events = eventsOf<{ _tag: string; seq: number }>((handlers) =>
        alice.runs.events.subscribe(
          { runId: started.runId },
          {
            ...handlers,
            onData: (value) => {
              handlers.onData(value)
              // Continue once the pause is seen: the rest must arrive on the same subscription.
              if (value.data._tag === 'RunPaused') {
                const requirementId = (value.data as unknown as { requirements: Array<{ id: string }> })
                  .requirements[0]!.id
                void alice.runs.continue.mutate({
                  runId: started.runId,
                  resolutions: [Resolutions.confirm(requirementId)],
                })
              }
            },
          },
        ),
      )
      const received = await events
      const tags = received.map(({ data }) => data._tag)
      expect(tags[0]).toBe('RunStarted')
      expect(tags).toContain('RunPaused')
      const afterPause = tags.slice(tags.indexOf('RunPaused') + 1)
      expect(afterPause[0]).toBe('RequirementResolved')
      expect(afterPause.at(-1)).toBe('RunCompleted')
      expect(received.map(({ data }) => data.seq)).toStrictEqual(received.map((_, index) => index + 1))
      expect(received.map(({ id }) => id)).toStrictEqual(received.map(({ data }) => String(data.seq)))
    })

    it('afterSeq (or lastEventId) replays only what came after it', async () => {
      const alice = as('alice')
      const paused = await alice.runs.start.mutate({ agentId: 'assistant', input: 'Move 100' })
      await alice.runs.continue.mutate({
        runId: paused.runId,
        resolutions: [Resolutions.confirm(paused.activeRequirementIds[0]!)],
      })
      const all = await eventsOf<{ seq: number }>((handlers) =>
        alice.runs.events.subscribe({ runId: paused.runId }, handlers),
      )
      const fromThree = await eventsOf<{ seq: number }>((handlers) =>
        alice.runs.events.subscribe({ runId: paused.runId, lastEventId: '3' }, handlers),
      )
      expect(fromThree.map(({ data }) => data.seq)).toStrictEqual(all.slice(3).map(({ data }) => data.seq))
    })

    it('a socket dropped by the server mid-stream reconnects and resumes after the last event: none lost or repeated', async () => {
      const alice = as('alice')
      const paused = await alice.runs.start.mutate({ agentId: 'assistant', input: 'Move 100' })
      const received: Array<number> = []
      let seenPause!: () => void
      const pauseSeen = new Promise<void>((resolve) => (seenPause = resolve))
      const completed = new Promise<void>((resolve, reject) => {
        alice.runs.events.subscribe(
          { runId: paused.runId },
          {
            onData: ({ data }) => {
              received.push(data.seq)
              if (data._tag === 'RunPaused') seenPause()
            },
            onError: reject,
            onComplete: resolve,
          },
        )
      })
      await pauseSeen
      server().send('drop-sockets')
      expect(await server().nextLine((line) => line.startsWith('dropped '))).not.toBe('dropped 0')
      // Continued while the client is cut off: what happens meanwhile comes on the new socket.
      await alice.runs.continue.mutate({
        runId: paused.runId,
        resolutions: [Resolutions.confirm(paused.activeRequirementIds[0]!)],
      })
      await completed
      expect(received).toStrictEqual(received.map((_, index) => index + 1))
      const stored = await eventsOf<{ seq: number }>((handlers) =>
        alice.runs.events.subscribe({ runId: paused.runId }, handlers),
      )
      expect(received).toHaveLength(stored.length)
    })
  })
})
