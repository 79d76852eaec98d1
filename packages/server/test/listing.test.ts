import { Resolutions } from '@countersign/core'
import { describe, expect, it } from 'vitest'
import { useClients, failure, useServer } from './harness.js'

/*
 * `runs.list` and `runs.awaitingMe` over the wire. The server process is shared by the tests of
 * this file: each asserts on the runs it started.
 */

const server = useServer()
const as = useClients(server)

describe('runs.list', () => {
  it("a user's root runs, newest first, paged with a total; not other users' or team members' runs", async () => {
    const alice = as('alice')
    const first = await alice.runs.start.mutate({ agentId: 'assistant', input: 'Move 100' })
    const second = await alice.runs.start.mutate({ agentId: 'finance', input: 'Refund' })
    const team = await alice.runs.start.mutate({ agentId: 'support', input: 'Move 7' })
    const bobs = await as('bob').runs.start.mutate({ agentId: 'assistant', input: 'Move 100' })
    const memberRunId = team.requirements[0]!.member?.runId
    expect(memberRunId).toBeDefined()

    const listed = await alice.runs.list.query({ limit: 100 })
    const ids = listed.runs.map(({ runId }) => runId)
    // Newest first (runs created in the same millisecond are ordered by id).
    expect(new Set(ids.slice(0, 3))).toStrictEqual(new Set([team.runId, second.runId, first.runId]))
    const times = listed.runs.map(({ createdAt }) => createdAt)
    expect(times).toStrictEqual([...times].sort((a, b) => b - a))
    expect(ids).not.toContain(bobs.runId)
    expect(ids).not.toContain(memberRunId)
    expect(listed.total).toBe(listed.runs.length)
    expect(listed.runs.every(({ userId }) => userId === 'alice')).toBe(true)
    expect(listed.runs.find(({ runId }) => runId === team.runId)).toStrictEqual({
      runId: team.runId,
      agentId: 'support',
      kind: 'team',
      userId: 'alice',
      status: 'paused',
      interrupted: false,
      input: 'Move 7',
      content: '',
      activeRequirementIds: team.activeRequirementIds,
      createdAt: expect.any(Number) as number,
      updatedAt: expect.any(Number) as number,
    })
    const page = await alice.runs.list.query({ offset: 1, limit: 1 })
    expect([page.runs.map(({ runId }) => runId), page.total]).toStrictEqual([[ids[1]], listed.total])
  })

  it('filters by status and definition; an admin lists every user', async () => {
    const alice = as('alice')
    const paused = await alice.runs.start.mutate({ agentId: 'assistant', input: 'Move 100' })
    const done = await alice.runs.continue.mutate({
      runId: paused.runId,
      resolutions: [Resolutions.confirm(paused.activeRequirementIds[0]!)],
    })
    expect(done.status).toBe('completed')
    const completed = await alice.runs.list.query({ status: 'completed', definitionId: 'assistant' })
    expect(completed.runs[0]).toMatchObject({ runId: paused.runId, status: 'completed' })
    expect(
      completed.runs.every(({ status, agentId }) => status === 'completed' && agentId === 'assistant'),
    ).toBe(true)
    expect(
      (await alice.runs.list.query({ definitionId: 'finance' })).runs.every(
        ({ agentId }) => agentId === 'finance',
      ),
    ).toBe(true)

    const bobs = await as('bob').runs.start.mutate({ agentId: 'assistant', input: 'Move 100' })
    const everyone = await as('root').runs.list.query({ limit: 100 })
    expect(everyone.runs.map(({ runId }) => runId)).toStrictEqual(
      expect.arrayContaining([bobs.runId, paused.runId]),
    )
    expect(everyone.runs.map(({ userId }) => userId)).toStrictEqual(expect.arrayContaining(['alice', 'bob']))
    expect((await as('bob').runs.list.query()).runs.map(({ userId }) => userId)).not.toContain('alice')
  })

  it('a limit over 100 or an unknown status is BAD_REQUEST; no token is UNAUTHORIZED', async () => {
    expect(await failure(as('alice').runs.list.query({ limit: 101 }))).toMatchObject({
      code: 'BAD_REQUEST',
      error: { _tag: 'InvalidRequest' },
    })
    expect(await failure(as('alice').runs.list.query({ status: 'sleeping' as never }))).toMatchObject({
      code: 'BAD_REQUEST',
      error: { _tag: 'InvalidRequest' },
    })
    expect(await failure(as().runs.list.query())).toMatchObject({
      code: 'UNAUTHORIZED',
      error: { _tag: 'Unauthenticated' },
    })
  })
})

describe('runs.awaitingMe', () => {
  it('pages through every paused run of the caller, more than a page of them', async () => {
    const bob = as('bob')
    const runs = await Promise.all(
      Array.from({ length: 105 }, () => bob.runs.start.mutate({ agentId: 'assistant', input: 'Move 100' })),
    )
    const waiting = new Set((await bob.runs.awaitingMe.query()).map(({ requirementId }) => requirementId))
    for (const run of runs) expect(waiting).toContain(run.activeRequirementIds[0])
  })

  it("a user sees their own runs' open requirements but not approvals; an approver sees the approval queue", async () => {
    const alice = as('alice')
    const confirm = await alice.runs.start.mutate({ agentId: 'assistant', input: 'Move 100' })
    const team = await alice.runs.start.mutate({ agentId: 'support', input: 'Move 7' })
    const refund = await alice.runs.start.mutate({ agentId: 'finance', input: 'Refund' })
    await as('bob').runs.start.mutate({ agentId: 'assistant', input: 'Move 100' })

    const mine = await alice.runs.awaitingMe.query()
    const confirmId = confirm.activeRequirementIds[0]!
    const teamId = team.activeRequirementIds[0]!
    const refundId = refund.activeRequirementIds[0]!
    expect(mine.find(({ requirementId }) => requirementId === confirmId)).toStrictEqual({
      requirementId: confirmId,
      runId: confirm.runId,
      definitionId: 'assistant',
      definitionKind: 'agent',
      kind: 'confirmation',
      toolCall: { id: expect.any(String) as string, name: 'transfer', args: { amount: 100 } },
      request: expect.anything() as unknown,
      createdAt: expect.any(Number) as number,
    })
    expect(mine.find(({ requirementId }) => requirementId === teamId)).toMatchObject({
      runId: team.runId,
      definitionId: 'support',
      definitionKind: 'team',
      member: { agentId: 'worker' },
      kind: 'confirmation',
      toolCall: { name: 'transfer', args: { amount: 7 } },
    })
    expect(mine.map(({ requirementId }) => requirementId)).not.toContain(refundId)
    expect(mine.every(({ kind }) => kind !== 'approval')).toBe(true)
    const times = mine.map(({ createdAt }) => createdAt)
    expect(times).toStrictEqual([...times].sort((a, b) => b - a))

    const ann = as('ann')
    const queue = await ann.runs.awaitingMe.query()
    expect(queue.find(({ requirementId }) => requirementId === refundId)).toMatchObject({
      runId: refund.runId,
      definitionId: 'finance',
      kind: 'approval',
      toolCall: { name: 'process_refund', args: { amount: 500 } },
    })
    expect(queue.map(({ requirementId }) => requirementId)).not.toContain(confirmId)

    // Decided, it waits for nobody.
    await ann.approvals.decide.mutate({ approvalId: refundId, answer: { approved: true } })
    expect((await ann.runs.awaitingMe.query()).map(({ requirementId }) => requirementId)).not.toContain(
      refundId,
    )
    await alice.runs.resolve.mutate({ runId: confirm.runId, resolutions: [Resolutions.confirm(confirmId)] })
    expect((await alice.runs.awaitingMe.query()).map(({ requirementId }) => requirementId)).not.toContain(
      confirmId,
    )
  })
})
