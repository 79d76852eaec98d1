import { describe, expect, it } from 'vitest'
import { failure, useClients, useServer } from './harness.js'

/*
 * Grants over the wire: an approver's sign-off given ahead of time lets the calls of a tool in a
 * session through without pausing, until it is revoked. Each test works in a session of its own.
 */

const server = useServer()
const as = useClients(server)

const refundGrant = (sessionId: string) =>
  ({
    scope: 'session',
    principalId: 'alice',
    sessionId,
    sourceId: 'finance',
    toolName: 'process_refund',
  }) as const

describe('grants', () => {
  it('a grant lets a matching call through without pausing; revoked, the next call pauses again', async () => {
    const alice = as('alice')
    const ann = as('ann')
    const grant = await ann.grants.create.mutate({ ...refundGrant('g-1'), note: 'month end' })
    expect(grant).toMatchObject({
      scope: 'session',
      sessionId: 'g-1',
      sourceId: 'finance',
      toolName: 'process_refund',
      grantedBy: { id: 'ann' },
      note: 'month end',
      uses: 0,
      status: 'active',
    })

    const covered = await alice.runs.start.mutate({ agentId: 'finance', input: 'Refund', sessionId: 'g-1' })
    expect(covered).toMatchObject({
      status: 'completed',
      content: 'Done: refunded 500',
      activeRequirementIds: [],
    })
    const uses = await ann.approvals.list.query({ grantId: grant.id })
    expect(uses).toMatchObject({ total: 1, approvals: [{ runId: covered.runId, status: 'approved' }] })
    // Another session is not covered.
    const elsewhere = await alice.runs.start.mutate({ agentId: 'finance', input: 'Refund', sessionId: 'g-2' })
    expect(elsewhere.status).toBe('paused')

    const revoked = await ann.grants.revoke.mutate({ grantId: grant.id, note: 'enough' })
    expect(revoked).toMatchObject({
      id: grant.id,
      status: 'revoked',
      uses: 1,
      revocation: { revokedBy: { id: 'ann' }, note: 'enough' },
    })
    const after = await alice.runs.start.mutate({ agentId: 'finance', input: 'Refund', sessionId: 'g-1' })
    expect(after).toMatchObject({ status: 'paused' })
    expect(after.requirements[0]).toMatchObject({ kind: 'approval', toolCall: { name: 'process_refund' } })
  })

  it('list filters by session, tool and status', async () => {
    const ann = as('ann')
    const kept = await ann.grants.create.mutate(refundGrant('g-list'))
    const once = await ann.grants.create.mutate({
      ...refundGrant('g-list'),
      scope: 'once',
      args: { amount: 1 },
    })
    await ann.grants.revoke.mutate({ grantId: kept.id })
    const all = await ann.grants.list.query({ sessionId: 'g-list' })
    expect(new Set(all.map(({ id }) => id))).toStrictEqual(new Set([kept.id, once.id]))
    expect(await ann.grants.list.query({ sessionId: 'g-list', status: 'active' })).toStrictEqual([
      expect.objectContaining({ id: once.id, scope: 'once', args: { amount: 1 }, status: 'active' }),
    ])
    expect(await ann.grants.list.query({ sessionId: 'g-list', toolName: 'wire_funds' })).toStrictEqual([])
    expect((await as('root').grants.list.query()).map(({ id }) => id)).toStrictEqual(
      expect.arrayContaining([kept.id, once.id]),
    )
  })

  it('a plain user is FORBIDDEN (RoleRequired) to list, create or revoke; nothing is created or revoked', async () => {
    const alice = as('alice')
    const ann = as('ann')
    const grant = await ann.grants.create.mutate(refundGrant('g-forbidden'))
    const forbidden = {
      code: 'FORBIDDEN',
      error: { _tag: 'RoleRequired', principalId: 'alice', roles: ['approver', 'admin'] },
    }
    expect(await failure(alice.grants.list.query())).toMatchObject(forbidden)
    expect(await failure(alice.grants.create.mutate(refundGrant('g-forbidden')))).toMatchObject(forbidden)
    expect(await failure(alice.grants.revoke.mutate({ grantId: grant.id }))).toMatchObject(forbidden)
    expect(await failure(as().grants.list.query())).toMatchObject({
      code: 'UNAUTHORIZED',
      error: { _tag: 'Unauthenticated' },
    })
    expect(await ann.grants.list.query({ sessionId: 'g-forbidden' })).toStrictEqual([
      expect.objectContaining({ id: grant.id, status: 'active' }),
    ])
  })

  it("an approver the tool's rule does not allow is FORBIDDEN (NotAllowedToResolve); an admin may", async () => {
    const wire = {
      scope: 'session',
      principalId: 'alice',
      sessionId: 'g-wire',
      sourceId: 'treasury',
      toolName: 'wire_funds',
    } as const
    expect(await failure(as('ann').grants.create.mutate(wire))).toMatchObject({
      code: 'FORBIDDEN',
      error: { _tag: 'NotAllowedToResolve', principalId: 'ann' },
    })
    expect(await as('root').grants.list.query({ sessionId: 'g-wire' })).toStrictEqual([])
    const granted = await as('root').grants.create.mutate(wire)
    expect(await failure(as('ann').grants.revoke.mutate({ grantId: granted.id }))).toMatchObject({
      code: 'FORBIDDEN',
      error: { _tag: 'NotAllowedToResolve', principalId: 'ann' },
    })
    expect(await as('root').grants.list.query({ sessionId: 'g-wire' })).toStrictEqual([
      expect.objectContaining({ id: granted.id, status: 'active' }),
    ])
  })

  it('revoking twice is a CONFLICT (GrantInactive); an unknown id is NOT_FOUND; the grant keeps its first revocation', async () => {
    const ann = as('ann')
    const grant = await ann.grants.create.mutate(refundGrant('g-twice'))
    const first = await ann.grants.revoke.mutate({ grantId: grant.id, note: 'first' })
    expect(
      await failure(as('root').grants.revoke.mutate({ grantId: grant.id, note: 'second' })),
    ).toMatchObject({
      code: 'CONFLICT',
      error: { _tag: 'GrantInactive', grantId: grant.id, status: 'revoked' },
    })
    expect(await ann.grants.list.query({ sessionId: 'g-twice' })).toStrictEqual([first])
    expect(await failure(ann.grants.revoke.mutate({ grantId: 'no-such-grant' }))).toMatchObject({
      code: 'NOT_FOUND',
      error: { _tag: 'GrantNotFound', grantId: 'no-such-grant' },
    })
  })

  it('bad input is BAD_REQUEST listing the issues, or naming a definition not served; nothing is created', async () => {
    const ann = as('ann')
    const shape = await failure(
      ann.grants.create.mutate({ ...refundGrant('g-bad'), scope: 'forever' as never, toolName: '' }),
    )
    expect(shape).toMatchObject({ code: 'BAD_REQUEST', error: { _tag: 'InvalidRequest' } })
    expect((shape.error?.['issues'] as Array<{ path: string }>).map(({ path }) => path)).toStrictEqual(
      expect.arrayContaining(['scope', 'toolName']),
    )
    expect(
      await failure(ann.grants.create.mutate({ ...refundGrant('g-bad'), sourceId: 'nobody' })),
    ).toMatchObject({ code: 'BAD_REQUEST', error: { _tag: 'InvalidRequest' } })
    expect(await failure(ann.grants.list.query({ status: 'lapsed' as never }))).toMatchObject({
      code: 'BAD_REQUEST',
      error: { _tag: 'InvalidRequest' },
    })
    expect(await failure(ann.grants.revoke.mutate({ grantId: '' }))).toMatchObject({ code: 'BAD_REQUEST' })
    expect(await ann.grants.list.query({ sessionId: 'g-bad' })).toStrictEqual([])
  })
})
