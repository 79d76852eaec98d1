import { describe, expect, it } from 'vitest'
import { failure, useClients, useServer } from './harness.js'

/*
 * An approver weighs a call with its conversation in front of them: they may read a run whose
 * approval waits for a decision, or that they decided — read only. Anyone else's run stays
 * unknown to them, as it is to every other user.
 */

const server = useServer()
const as = useClients(server)

const notFound = { code: 'NOT_FOUND', error: { _tag: 'RunNotFound' } }

describe("an approver's view of the requesting run", () => {
  it('reads the run and its events while its approval waits, and after deciding it; never continues, resolves or cancels it', async () => {
    const paused = await as('alice').runs.start.mutate({ agentId: 'finance', input: 'Refund A-1' })
    const approvalId = paused.activeRequirementIds[0]!
    const ann = as('ann')

    const seen = await ann.runs.get.query({ runId: paused.runId })
    expect(seen).toMatchObject({ runId: paused.runId, status: 'paused', agentId: 'finance' })
    const tags = await new Promise<Array<string>>((resolve, reject) => {
      const heard: Array<string> = []
      const subscription = ann.runs.events.subscribe(
        { runId: paused.runId },
        {
          onData: ({ data }) => {
            heard.push(data._tag)
            if (data._tag !== 'RunPaused') return
            subscription.unsubscribe()
            resolve(heard)
          },
          onError: reject,
        },
      )
    })
    expect(tags[0]).toBe('RunStarted')
    expect(tags.at(-1)).toBe('RunPaused')

    // Reading only: the run's owner continues, resolves and cancels it.
    expect(await failure(ann.runs.cancel.mutate({ runId: paused.runId }))).toMatchObject(notFound)
    expect(
      await failure(
        ann.runs.continue.mutate({
          runId: paused.runId,
          resolutions: [{ requirementId: approvalId, value: { approved: true } }],
        }),
      ),
    ).toMatchObject(notFound)
    expect(await as('alice').runs.get.query({ runId: paused.runId })).toMatchObject({ status: 'paused' })

    await ann.approvals.decide.mutate({ approvalId, answer: { approved: true } })
    expect(await ann.runs.get.query({ runId: paused.runId })).toMatchObject({ runId: paused.runId })
    // Grace, an approver too, neither decided it nor has it waiting: it is not hers to read now.
    expect(await failure(as('grace').runs.get.query({ runId: paused.runId }))).toMatchObject(notFound)
  })

  it('reads a run with a call recorded for audit, whose events say so', async () => {
    const exported = await as('alice').runs.start.mutate({ agentId: 'exporter', input: 'Export C-1042' })
    expect(await as('ann').runs.get.query({ runId: exported.runId })).toMatchObject({ status: 'completed' })
    expect(await failure(as('bob').runs.get.query({ runId: exported.runId }))).toMatchObject(notFound)
  })

  it("a run with no approval, or a user who is no approver: someone else's run is not found", async () => {
    const confirming = await as('alice').runs.start.mutate({ agentId: 'assistant', input: 'Move 100' })
    expect(await failure(as('ann').runs.get.query({ runId: confirming.runId }))).toMatchObject(notFound)
    const refund = await as('alice').runs.start.mutate({ agentId: 'finance', input: 'Refund A-2' })
    expect(await failure(as('bob').runs.get.query({ runId: refund.runId }))).toMatchObject(notFound)
  })
})
