import { Resolutions } from '@countersign/core'
import { describe, expect, it } from 'vitest'
import { useClients, eventsOf, failure, useServer } from './harness.js'

/*
 * Every error reaches the client typed: a tRPC code, and the server's error with its `_tag` and
 * fields in `data.error`. Someone else's run is NOT_FOUND (RunNotFound), exactly like a run that
 * does not exist: run ids reveal nothing to whoever may not see the run.
 */

const server = useServer()
const as = useClients(server)

const pausedRun = (agentId = 'assistant') => as('alice').runs.start.mutate({ agentId, input: 'Go' })

describe('authentication', () => {
  it('a call without a token, or with an unknown one, is UNAUTHORIZED', async () => {
    expect(await failure(as().definitions.list.query())).toMatchObject({
      code: 'UNAUTHORIZED',
      error: { _tag: 'Unauthenticated' },
    })
    const response = await fetch(`${server().url}/definitions.list`, {
      headers: { authorization: 'Bearer not-a-token' },
    })
    expect(response.status).toBe(401)
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
    expect(
      await failure(alice.approvals.decide.mutate({ approvalId: approval!.id, answer: { approved: true } })),
    ).toMatchObject(forbidden)
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
    expect(await failure(as('ann').approvals.get.query({ approvalId: 'no-such-approval' }))).toMatchObject({
      code: 'NOT_FOUND',
      error: { _tag: 'ApprovalNotFound', approvalId: 'no-such-approval' },
    })
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
