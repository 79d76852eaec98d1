import { describe, expect, it } from 'vitest'
import { eventsOf, useClients, useServer } from './harness.js'

/*
 * `resumeOnDecision`: a run paused on an approval goes on by itself once an approver decides its
 * last open requirement, while its user only watches the run's events.
 */

const server = useServer()
const as = useClients(server)
const manualServer = useServer(['--manual-resume'])
const asManual = useClients(manualServer)

type Event = { readonly _tag: string; readonly seq: number }

/** Alice's run of `agentId`, paused on its approvals, and her subscription to its events (until it ends). */
const watchedRun = async (agentId: string, clients = as) => {
  const alice = clients('alice')
  const paused = await alice.runs.start.mutate({ agentId, input: 'Go' })
  expect(paused.status).toBe('paused')
  const events = eventsOf<Event>((handlers) => alice.runs.events.subscribe({ runId: paused.runId }, handlers))
  return { alice, paused, events }
}

/** The tags from the pause on: what the subscriber saw of the decision and after. */
const fromPause = (events: ReadonlyArray<{ data: Event }>) => {
  const tags = events.map(({ data }) => data._tag)
  expect(events.map(({ data }) => data.seq)).toStrictEqual(events.map((_, index) => index + 1))
  return tags.slice(tags.indexOf('RunPaused'))
}

const decideOverRest = async (approvalId: string, answer: unknown) => {
  const response = await fetch(`${server().url}/api/approvals/${approvalId}/resolve`, {
    method: 'POST',
    headers: { authorization: 'Bearer ann-token', 'content-type': 'application/json' },
    body: JSON.stringify(answer),
  })
  expect(response.status).toBe(200)
  return (await response.json()) as { status: string }
}

describe('a decision resumes the run', () => {
  it('approvals.decide: the subscriber sees the run continue and complete, nobody calling continue', async () => {
    const { alice, paused, events } = await watchedRun('finance')
    const decided = await as('ann').approvals.decide.mutate({
      approvalId: paused.activeRequirementIds[0]!,
      answer: { approved: true },
    })
    expect(decided).toMatchObject({ status: 'approved', resolvedBy: { id: 'ann' } })
    const tags = fromPause(await events)
    expect(tags.slice(0, 3)).toStrictEqual(['RunPaused', 'RequirementResolved', 'RunContinued'])
    expect(tags.at(-1)).toBe('RunCompleted')
    expect(await alice.runs.get.query({ runId: paused.runId })).toMatchObject({
      status: 'completed',
      content: 'Done: refunded 500',
    })
  })

  it('POST /api/approvals/:id/resolve: a rejection resumes the run too, the tool skipped', async () => {
    const { alice, paused, events } = await watchedRun('finance')
    expect(
      await decideOverRest(paused.activeRequirementIds[0]!, { approved: false, note: 'not this one' }),
    ).toMatchObject({ status: 'rejected' })
    const tags = fromPause(await events)
    expect(tags.slice(0, 3)).toStrictEqual(['RunPaused', 'RequirementResolved', 'RunContinued'])
    expect(tags.at(-1)).toBe('RunCompleted')
    const done = await alice.runs.get.query({ runId: paused.runId })
    expect(done).toMatchObject({ status: 'completed' })
    expect(done.toolExecutions).toMatchObject([{ toolName: 'process_refund', status: 'skipped' }])
  })

  it('the decider is answered at once, while the resumed run is still working', async () => {
    const { alice, paused, events } = await watchedRun('vault')
    const entered = server().nextLine((line) => line === 'vault-entered')
    const decided = await as('ann').approvals.decide.mutate({
      approvalId: paused.activeRequirementIds[0]!,
      answer: { approved: true },
    })
    expect(decided.status).toBe('approved')
    // The approved tool holds the run until released: the answer did not wait for it.
    await entered
    expect((await alice.runs.get.query({ runId: paused.runId })).status).toBe('running')
    server().send('release')
    expect(fromPause(await events).at(-1)).toBe('RunCompleted')
    expect(await alice.runs.get.query({ runId: paused.runId })).toMatchObject({
      status: 'completed',
      content: 'Done: opened',
    })
  })

  it('with two open approvals, deciding one leaves the run paused; deciding the other resumes it once', async () => {
    const { alice, paused, events } = await watchedRun('refunds')
    const [first, second] = paused.activeRequirementIds
    expect(second).toBeDefined()
    await as('ann').approvals.decide.mutate({ approvalId: first!, answer: { approved: true } })
    expect(await alice.runs.get.query({ runId: paused.runId })).toMatchObject({
      status: 'paused',
      activeRequirementIds: [second],
    })
    expect(await as('ann').approvals.count.query({ runId: paused.runId, status: 'pending' })).toBe(1)

    await decideOverRest(second!, { approved: true })
    const tags = fromPause(await events)
    expect(tags.filter((tag) => tag === 'RunContinued')).toHaveLength(1)
    expect(tags.slice(0, 4)).toStrictEqual([
      'RunPaused',
      'RequirementResolved',
      'RequirementResolved',
      'RunContinued',
    ])
    expect(tags.at(-1)).toBe('RunCompleted')
    expect(await alice.runs.get.query({ runId: paused.runId })).toMatchObject({
      status: 'completed',
      content: 'Done: refunded 10 | refunded 20',
    })
  })
})

describe('resumeOnDecision: false', () => {
  it('a decision leaves the run paused until someone continues it', async () => {
    const alice = asManual('alice')
    const paused = await alice.runs.start.mutate({ agentId: 'finance', input: 'Go' })
    const decided = await asManual('ann').approvals.decide.mutate({
      approvalId: paused.activeRequirementIds[0]!,
      answer: { approved: true },
    })
    expect(decided.status).toBe('approved')
    expect((await alice.runs.get.query({ runId: paused.runId })).status).toBe('paused')
    // Had the server taken the run up, this continue would find it claimed or ended.
    expect(await alice.runs.continue.mutate({ runId: paused.runId })).toMatchObject({
      status: 'completed',
      content: 'Done: refunded 500',
    })
  })
})
