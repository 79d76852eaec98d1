import { Resolutions } from '@countersign/core'
import { describe, expect, it } from 'vitest'
import { type Caller, eventsOf, failure, useClients, useServer } from './harness.js'

/*
 * Every error reaches the client typed: a tRPC code, and the server's error with its `_tag` and
 * fields in `data.error`. Someone else's run is NOT_FOUND (RunNotFound), exactly like a run that
 * does not exist: run ids reveal nothing to whoever may not see the run.
 */

const server = useServer()
const as = useClients(server)

const pausedRun = (agentId = 'assistant') => as('alice').runs.start.mutate({ agentId, input: 'Go' })

/** How a subscription of `caller` to a run's events failed (undefined if it did not). */
const subscriptionFailure = (caller: Caller, input: { runId: string; afterSeq?: number }) =>
  eventsOf((handlers) => as(caller).runs.events.subscribe(input, handlers)).then(
    () => undefined,
    (error: unknown) => error,
  )

/** Every run of every user, as an admin lists them: what a refused call must leave as it was. */
const allRuns = async () => (await as('root').runs.list.query({ limit: 100 })).runs

describe('authentication', () => {
  it('a call without a token, or with an unknown one, is UNAUTHORIZED, saying which', async () => {
    const missing = await failure(as().definitions.list.query())
    expect(missing).toMatchObject({
      code: 'UNAUTHORIZED',
      error: { _tag: 'Unauthenticated', tokenGiven: false },
    })
    expect(missing.message).toContain('send a bearer token')
    expect(await failure(as('stranger').definitions.list.query())).toMatchObject({
      code: 'UNAUTHORIZED',
      error: { _tag: 'Unauthenticated', tokenGiven: true },
      message: 'The token was not accepted: it is unknown, expired or revoked.',
    })
    const response = await fetch(`${server().url}/definitions.list`, {
      headers: { authorization: 'Bearer not-a-token' },
    })
    expect(response.status).toBe(401)
    expect(await response.json()).toMatchObject({
      error: { data: { error: { _tag: 'Unauthenticated', tokenGiven: true } } },
    })
  })

  it('session.me says who the token names; no token, no answer', async () => {
    expect(await as('ann').session.me.query()).toStrictEqual({
      id: 'ann',
      roles: ['approver'],
      approver: true,
    })
    expect(await as('alice').session.me.query()).toMatchObject({ id: 'alice', approver: false })
    expect(await failure(as().session.me.query())).toMatchObject({ code: 'UNAUTHORIZED' })
  })

  it('a subscription without a token is UNAUTHORIZED', async () => {
    const run = await pausedRun()
    const error = await eventsOf((handlers) =>
      as().runs.events.subscribe({ runId: run.runId }, handlers),
    ).then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(error).toMatchObject({ data: { code: 'UNAUTHORIZED', error: { _tag: 'Unauthenticated' } } })
  })
})

describe('authentication, for every kind of call', () => {
  it('no token or an unknown one: UNAUTHORIZED for queries, mutations and subscriptions, over HTTP and WebSocket; nothing changes', async () => {
    const run = await pausedRun('finance')
    const approvalId = run.activeRequirementIds[0]!
    const before = await allRuns()
    const unauthorized = { code: 'UNAUTHORIZED', error: { _tag: 'Unauthenticated' } }
    for (const caller of [undefined, 'stranger'] as const) {
      const client = as(caller)
      const calls: ReadonlyArray<() => Promise<unknown>> = [
        () => client.runs.start.mutate({ agentId: 'assistant', input: 'Go' }),
        () => client.runs.get.query({ runId: run.runId }),
        () => client.runs.list.query(),
        () => client.runs.awaitingMe.query(),
        () => client.runs.cancel.mutate({ runId: run.runId }),
        () => client.approvals.count.query(),
        () => client.approvals.decide.mutate({ approvalId, answer: { approved: true } }),
        () =>
          client.grants.create.mutate({
            scope: 'session',
            principalId: 'alice',
            sessionId: 's',
            sourceId: 'finance',
            toolName: 'process_refund',
          }),
      ]
      for (const call of calls) expect(await failure(call())).toMatchObject(unauthorized)
      expect(await subscriptionFailure(caller, { runId: run.runId })).toMatchObject({ data: unauthorized })
    }
    expect(await allRuns()).toStrictEqual(before)
    expect(await as('ann').approvals.get.query({ approvalId })).toMatchObject({ status: 'pending' })
    expect(await as('root').grants.list.query({ sessionId: 's' })).toStrictEqual([])
  })
})

describe('authorisation', () => {
  it("another user's run is NOT_FOUND for reading, continuing, resolving, cancelling and following", async () => {
    const run = await pausedRun()
    const bob = as('bob')
    const notFound = { code: 'NOT_FOUND', error: { _tag: 'RunNotFound', runId: run.runId } }
    expect(await failure(bob.runs.get.query({ runId: run.runId }))).toMatchObject(notFound)
    expect(await failure(bob.runs.continue.mutate({ runId: run.runId }))).toMatchObject(notFound)
    expect(
      await failure(
        bob.runs.resolve.mutate({
          runId: run.runId,
          resolutions: [Resolutions.confirm(run.activeRequirementIds[0]!)],
        }),
      ),
    ).toMatchObject(notFound)
    expect(await failure(bob.runs.cancel.mutate({ runId: run.runId }))).toMatchObject(notFound)
    const followed = await eventsOf((handlers) =>
      bob.runs.events.subscribe({ runId: run.runId }, handlers),
    ).then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(followed).toMatchObject({ data: notFound })
    // The run is untouched, and an admin sees it.
    expect(await as('root').runs.get.query({ runId: run.runId })).toMatchObject({ status: 'paused' })
  })

  it('a user may not list, read or decide approvals: FORBIDDEN, RoleRequired', async () => {
    const run = await pausedRun('finance')
    const alice = as('alice')
    const [approval] = (await as('ann').approvals.list.query({ runId: run.runId })).approvals
    const forbidden = {
      code: 'FORBIDDEN',
      error: { _tag: 'RoleRequired', principalId: 'alice', roles: ['approver', 'admin'] },
    }
    expect(await failure(alice.approvals.list.query())).toMatchObject(forbidden)
    expect(await failure(alice.approvals.count.query())).toMatchObject(forbidden)
    expect(await failure(alice.approvals.get.query({ approvalId: approval!.id }))).toMatchObject(forbidden)
    expect(
      await failure(alice.approvals.decide.mutate({ approvalId: approval!.id, answer: { approved: true } })),
    ).toMatchObject(forbidden)
    expect(await as('ann').approvals.get.query({ approvalId: approval!.id })).toMatchObject({
      status: 'pending',
    })
  })

  it("an approver the tool's rule does not allow may not decide: FORBIDDEN, NotAllowedToResolve; the approval stays pending", async () => {
    const run = await pausedRun('treasury')
    const approvalId = run.activeRequirementIds[0]!
    expect(
      await failure(as('ann').approvals.decide.mutate({ approvalId, answer: { approved: true } })),
    ).toMatchObject({
      code: 'FORBIDDEN',
      error: { _tag: 'NotAllowedToResolve', principalId: 'ann', requirementId: approvalId },
    })
    expect(await as('root').approvals.get.query({ approvalId })).toMatchObject({ status: 'pending' })
    expect(await as('alice').runs.get.query({ runId: run.runId })).toMatchObject({ status: 'paused' })
  })

  it('the requester cannot approve their own call through continue: FORBIDDEN or PRECONDITION_FAILED, nothing recorded', async () => {
    const run = await pausedRun('finance')
    const alice = as('alice')
    const attempt = await failure(
      alice.runs.continue.mutate({
        runId: run.runId,
        resolutions: [Resolutions.confirm(run.activeRequirementIds[0]!)],
      }),
    )
    expect(attempt).toMatchObject({
      code: 'FORBIDDEN',
      error: { _tag: 'NotAllowedToResolve', principalId: 'alice' },
    })
    expect(await failure(alice.runs.continue.mutate({ runId: run.runId }))).toMatchObject({
      code: 'PRECONDITION_FAILED',
      error: { _tag: 'ApprovalPending', runId: run.runId },
    })
    const [approval] = (await as('ann').approvals.list.query({ runId: run.runId })).approvals
    expect(approval).toMatchObject({ status: 'pending' })
  })
})

describe('bad requests', () => {
  it('unknown ids are NOT_FOUND with the id', async () => {
    const alice = as('alice')
    expect(await failure(alice.runs.get.query({ runId: 'no-such-run' }))).toMatchObject({
      code: 'NOT_FOUND',
      error: { _tag: 'RunNotFound', runId: 'no-such-run' },
    })
    expect(await failure(alice.runs.start.mutate({ agentId: 'nobody', input: 'Hi' }))).toMatchObject({
      code: 'NOT_FOUND',
      error: { _tag: 'DefinitionNotFound', definitionId: 'nobody' },
    })
    const noApproval = {
      code: 'NOT_FOUND',
      error: { _tag: 'ApprovalNotFound', approvalId: 'no-such-approval' },
    }
    expect(await failure(as('ann').approvals.get.query({ approvalId: 'no-such-approval' }))).toMatchObject(
      noApproval,
    )
    expect(
      await failure(
        as('ann').approvals.decide.mutate({ approvalId: 'no-such-approval', answer: { approved: true } }),
      ),
    ).toMatchObject(noApproval)
    const noRun = { code: 'NOT_FOUND', error: { _tag: 'RunNotFound', runId: 'no-such-run' } }
    expect(await failure(alice.runs.cancel.mutate({ runId: 'no-such-run' }))).toMatchObject(noRun)
    expect(await subscriptionFailure('alice', { runId: 'no-such-run' })).toMatchObject({ data: noRun })
    const run = await pausedRun()
    expect(
      await failure(
        alice.runs.continue.mutate({
          runId: run.runId,
          resolutions: [Resolutions.confirm('no-such-requirement')],
        }),
      ),
    ).toMatchObject({
      code: 'NOT_FOUND',
      error: { _tag: 'RequirementNotFound', requirementId: 'no-such-requirement' },
    })
  })

  it('malformed input is BAD_REQUEST listing the issues; a resolution of the wrong shape is InvalidResolution; nothing changes', async () => {
    const alice = as('alice')
    const run = await pausedRun()
    const requirementId = run.activeRequirementIds[0]!
    const shape = await failure(
      alice.runs.continue.mutate({ runId: run.runId, resolutions: [{ requirementId: '' } as never] }),
    )
    expect(shape).toMatchObject({ code: 'BAD_REQUEST', error: { _tag: 'InvalidRequest' } })
    expect(shape.error?.['issues']).toStrictEqual(
      expect.arrayContaining([expect.objectContaining({ path: 'resolutions.0.requirementId' })]),
    )
    expect(
      await failure(
        alice.runs.continue.mutate({
          runId: run.runId,
          resolutions: [{ requirementId, value: { approved: 'yes' } }],
        }),
      ),
    ).toMatchObject({
      code: 'BAD_REQUEST',
      error: { _tag: 'InvalidResolution', requirementId, kind: 'confirmation' },
    })
    expect(await failure(alice.runs.start.mutate({ agentId: 'assistant', input: '  ' }))).toMatchObject({
      code: 'BAD_REQUEST',
      error: { _tag: 'InvalidRunInput' },
    })
    expect(await alice.runs.get.query({ runId: run.runId })).toMatchObject({
      status: 'paused',
      activeRequirementIds: [requirementId],
    })
  })

  it('missing fields and wrong types are BAD_REQUEST listing each issue, for calls and subscriptions; nothing changes', async () => {
    const alice = as('alice')
    const run = await pausedRun('finance')
    const approvalId = run.activeRequirementIds[0]!
    const before = await allRuns()
    const pathsOf = async (call: Promise<unknown>) => {
      const refused = await failure(call)
      expect(refused).toMatchObject({ code: 'BAD_REQUEST', error: { _tag: 'InvalidRequest' } })
      return (refused.error?.['issues'] as ReadonlyArray<{ path: string }>).map(({ path }) => path)
    }
    expect(await pathsOf(alice.runs.start.mutate({ agentId: 'assistant' } as never))).toStrictEqual(['input'])
    expect(
      await pathsOf(alice.runs.start.mutate({ agentId: 7, input: 'Go', stream: 'yes' } as never)),
    ).toStrictEqual(expect.arrayContaining(['agentId', 'stream']))
    expect(
      await pathsOf(alice.runs.resolve.mutate({ runId: run.runId, resolutions: [] as never })),
    ).toStrictEqual(['resolutions.0'])
    expect(await pathsOf(alice.runs.get.query({} as never))).toStrictEqual(['runId'])
    expect(
      await pathsOf(as('ann').approvals.decide.mutate({ approvalId, answer: { approved: 'yes' } as never })),
    ).toStrictEqual(['answer.approved'])
    expect(await pathsOf(as('ann').approvals.list.query({ limit: 0 }))).toContain('limit')
    expect(await subscriptionFailure('alice', { runId: run.runId, afterSeq: -1 })).toMatchObject({
      data: {
        code: 'BAD_REQUEST',
        error: {
          _tag: 'InvalidRequest',
          issues: expect.arrayContaining([
            { path: 'afterSeq', message: 'Expected a non-negative number, actual -1' },
          ]) as unknown,
        },
      },
    })
    expect(await allRuns()).toStrictEqual(before)
    expect(await as('ann').approvals.get.query({ approvalId })).toMatchObject({ status: 'pending' })
  })

  it('a lost race is a CONFLICT: of two deciders at once one wins; a continue finds the run taken up', async () => {
    const run = await pausedRun('finance')
    const approvalId = run.activeRequirementIds[0]!
    const outcomes = await Promise.allSettled([
      as('ann').approvals.decide.mutate({ approvalId, answer: { approved: true } }),
      as('root').approvals.decide.mutate({ approvalId, answer: { approved: false } }),
    ])
    const won = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []))
    expect(won).toHaveLength(1)
    const lost = outcomes.find((outcome) => outcome.status === 'rejected')!
    expect(await failure(Promise.reject(lost.reason as Error))).toMatchObject({
      code: 'CONFLICT',
      error: { _tag: 'ApprovalAlreadyResolved', approvalId, status: won[0]!.status },
    })
    expect(await as('root').approvals.get.query({ approvalId })).toMatchObject({
      status: won[0]!.status,
      resolvedBy: won[0]!.resolvedBy,
    })

    // The vault's approved call holds its run, which the server took up after the decision.
    const vault = await pausedRun('vault')
    const entered = server().nextLine((line) => line === 'vault-entered')
    await as('ann').approvals.decide.mutate({
      approvalId: vault.activeRequirementIds[0]!,
      answer: { approved: true },
    })
    await entered
    const late = await failure(as('alice').runs.continue.mutate({ runId: vault.runId }))
    expect(late.code).toBe('CONFLICT')
    expect(['RunClaimed', 'RunNotContinuable']).toContain(late.error?._tag)
    server().send('release')
    const events = await eventsOf<{ _tag: string }>((handlers) =>
      as('alice').runs.events.subscribe({ runId: vault.runId }, handlers),
    )
    expect(events.filter(({ data }) => data._tag === 'RunContinued')).toHaveLength(1)
    const done = await as('alice').runs.get.query({ runId: vault.runId })
    expect(done).toMatchObject({ status: 'completed', content: 'Done: opened' })
    expect(done.toolExecutions).toHaveLength(1)
  })

  it('a second decision is a CONFLICT: on an approval, and on a requirement', async () => {
    const run = await pausedRun('finance')
    const ann = as('ann')
    const [approval] = (await ann.approvals.list.query({ runId: run.runId })).approvals
    await ann.approvals.decide.mutate({ approvalId: approval!.id, answer: { approved: true } })
    expect(
      await failure(
        as('root').approvals.decide.mutate({ approvalId: approval!.id, answer: { approved: false } }),
      ),
    ).toMatchObject({
      code: 'CONFLICT',
      error: { _tag: 'ApprovalAlreadyResolved', approvalId: approval!.id, status: 'approved' },
    })

    const alice = as('alice')
    const other = await pausedRun()
    const requirementId = other.activeRequirementIds[0]!
    await alice.runs.resolve.mutate({ runId: other.runId, resolutions: [Resolutions.confirm(requirementId)] })
    expect(
      await failure(
        alice.runs.resolve.mutate({ runId: other.runId, resolutions: [Resolutions.reject(requirementId)] }),
      ),
    ).toMatchObject({ code: 'CONFLICT', error: { _tag: 'RequirementAlreadyResolved', requirementId } })
  })

  it('continuing a run that has ended is PRECONDITION_FAILED (RunNotContinuable)', async () => {
    const alice = as('alice')
    const run = await pausedRun()
    await alice.runs.cancel.mutate({ runId: run.runId })
    expect(await failure(alice.runs.continue.mutate({ runId: run.runId }))).toMatchObject({
      code: 'PRECONDITION_FAILED',
      error: { _tag: 'RunNotContinuable', status: 'cancelled' },
    })
  })
})
