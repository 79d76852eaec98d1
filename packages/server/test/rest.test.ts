import { describe, expect, it } from 'vitest'
import type { FixtureUser } from '../src/testing/index.js'
import { eventsOf, useClients, useServer } from './harness.js'

/*
 * The REST routes of the approval queue over real sockets: plain `fetch` with a bearer token,
 * statuses and `{ error: { _tag, … } }` bodies as tRPC maps the same errors, and what they store
 * read back through tRPC.
 */

const server = useServer()
const as = useClients(server)

interface Call {
  readonly user?: FixtureUser | 'stranger'
  readonly method?: string
  readonly body?: unknown
  readonly rawBody?: string
}

/** A response body as the tests read it: a page of approvals, an approval, or an error. */
type Body = Readonly<Record<string, unknown>> & {
  readonly approvals: ReadonlyArray<{ readonly id: string }>
  readonly error: Readonly<Record<string, unknown>> & {
    readonly issues: ReadonlyArray<{ readonly path: string }>
  }
}

const api = async (path: string, call: Call = {}) => {
  const headers: Record<string, string> = {}
  if (call.user !== undefined)
    headers['authorization'] = `Bearer ${call.user === 'stranger' ? 'not-a-token' : `${call.user}-token`}`
  const body = call.rawBody ?? (call.body === undefined ? undefined : JSON.stringify(call.body))
  if (body !== undefined) headers['content-type'] = 'application/json'
  const response = await fetch(`${server().url}${path}`, {
    method: call.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    ...(body === undefined ? {} : { body }),
  })
  expect(response.headers.get('content-type')).toBe('application/json')
  return { status: response.status, body: (await response.json()) as Body }
}

/** A run of `agentId` started by alice, paused on one pending approval: answers the run and the approval's id. */
const pendingApproval = async (agentId = 'finance') => {
  const run = await as('alice').runs.start.mutate({ agentId, input: 'Go' })
  expect(run.status).toBe('paused')
  return { runId: run.runId, approvalId: run.activeRequirementIds[0]! }
}

describe('GET /api/approvals', () => {
  it('lists the queue with the core ApprovalQuery as query parameters, newest first, with a total', async () => {
    const first = await pendingApproval()
    const second = await pendingApproval()
    const byRun = await api(`/api/approvals?runId=${first.runId}`, { user: 'ann' })
    expect(byRun.status).toBe(200)
    expect(byRun.body).toMatchObject({
      total: 1,
      totalExact: true,
      approvals: [
        {
          id: first.approvalId,
          runId: first.runId,
          status: 'pending',
          toolName: 'process_refund',
          toolArgs: { amount: 500 },
          requestedBy: { id: 'alice' },
          runStatus: 'paused',
        },
      ],
    })
    const page = await api('/api/approvals?status=pending&sourceId=finance&userId=alice&limit=1', {
      user: 'root',
    })
    expect(page.status).toBe(200)
    expect(page.body['total']).toBeGreaterThanOrEqual(2)
    expect(page.body.approvals.map(({ id }) => id)).toStrictEqual([second.approvalId])
    const next = await api('/api/approvals?status=pending&sourceId=finance&limit=1&offset=1', {
      user: 'root',
    })
    expect(next.body.approvals.map(({ id }) => id)).toStrictEqual([first.approvalId])
    // The same page as the tRPC procedure answers.
    expect((await api('/api/approvals?toolName=process_refund&limit=5', { user: 'ann' })).body).toStrictEqual(
      await as('ann').approvals.list.query({ toolName: 'process_refund', limit: 5 }),
    )
  })

  it('bad query values are 400 InvalidRequest listing the issues', async () => {
    const limit = await api('/api/approvals?limit=0', { user: 'ann' })
    expect(limit.status).toBe(400)
    expect(limit.body.error).toMatchObject({ _tag: 'InvalidRequest' })
    expect(limit.body.error.issues).toStrictEqual(
      expect.arrayContaining([expect.objectContaining({ path: 'limit' })]),
    )
    const status = await api('/api/approvals?status=maybe&offset=x', { user: 'ann' })
    expect(status.status).toBe(400)
    expect(status.body.error.issues.map(({ path }) => path)).toStrictEqual(expect.arrayContaining(['status']))
    expect((await api('/api/approvals?offset=-1', { user: 'ann' })).status).toBe(400)
    expect(await api('/api/approvals?colour=red', { user: 'ann' })).toMatchObject({
      status: 400,
      body: { error: { _tag: 'InvalidRequest', reason: 'unknown query parameter "colour"' } },
    })
    expect(await api('/api/approvals?limit=1&limit=2', { user: 'ann' })).toMatchObject({
      status: 400,
      body: { error: { _tag: 'InvalidRequest' } },
    })
  })

  it('401 Unauthenticated without a token or with an unknown one; 403 RoleRequired for a user', async () => {
    for (const user of [undefined, 'stranger'] as const)
      expect(await api('/api/approvals', user === undefined ? {} : { user })).toMatchObject({
        status: 401,
        body: { error: { _tag: 'Unauthenticated' } },
      })
    expect(await api('/api/approvals', { user: 'alice' })).toStrictEqual({
      status: 403,
      body: {
        error: {
          _tag: 'RoleRequired',
          principalId: 'alice',
          roles: ['approver', 'admin'],
          message: '"alice" needs one of the roles approver, admin.',
        },
      },
    })
  })

  it('an unknown path under /api is 404 RouteNotFound; the rest of the server is untouched', async () => {
    expect(await api('/api/grants', { user: 'ann' })).toMatchObject({
      status: 404,
      body: { error: { _tag: 'RouteNotFound', method: 'GET', path: '/api/grants' } },
    })
    expect(await api('/api/approvals/a/b/c', { user: 'ann' })).toMatchObject({ status: 404 })
    expect(await api('/api/approvals', { user: 'ann', method: 'DELETE' })).toMatchObject({
      status: 404,
      body: { error: { _tag: 'RouteNotFound', method: 'DELETE' } },
    })
    expect((await fetch(`${server().url}/healthz`)).status).toBe(200)
  })
})

describe('GET /api/approvals/:id', () => {
  it('200 with the approval; 404 ApprovalNotFound for an unknown id', async () => {
    const { approvalId } = await pendingApproval()
    const found = await api(`/api/approvals/${approvalId}`, { user: 'ann' })
    expect(found).toStrictEqual({ status: 200, body: await as('ann').approvals.get.query({ approvalId }) })
    expect(await api('/api/approvals/no-such-approval', { user: 'ann' })).toMatchObject({
      status: 404,
      body: { error: { _tag: 'ApprovalNotFound', approvalId: 'no-such-approval' } },
    })
    expect((await api(`/api/approvals/${approvalId}`, { user: 'bob' })).status).toBe(403)
  })
})

describe('POST /api/approvals/:id/resolve', () => {
  it('decides: 200 with the approval, stored with who decided and the note; the run goes on', async () => {
    const { runId, approvalId } = await pendingApproval()
    const decided = await api(`/api/approvals/${approvalId}/resolve`, {
      user: 'ann',
      body: { approved: true, note: 'within policy', data: { ticket: 'T-9' } },
    })
    expect(decided).toMatchObject({
      status: 200,
      body: {
        id: approvalId,
        status: 'approved',
        resolvedBy: { id: 'ann' },
        note: 'within policy',
        resolutionData: { ticket: 'T-9' },
      },
    })
    await eventsOf((handlers) => as('alice').runs.events.subscribe({ runId }, handlers))
    expect(await as('alice').runs.get.query({ runId })).toMatchObject({
      status: 'completed',
      content: 'Done: refunded 500',
    })
    // Stored as answered; the run it held up has completed since.
    expect(await as('root').approvals.get.query({ approvalId })).toMatchObject({
      ...decided.body,
      runStatus: 'completed',
    })
  })

  it('a second decision is 409 ApprovalAlreadyResolved with the status it has; nothing changes', async () => {
    const { approvalId } = await pendingApproval()
    expect(
      (await api(`/api/approvals/${approvalId}/resolve`, { user: 'ann', body: { approved: false } })).status,
    ).toBe(200)
    expect(
      await api(`/api/approvals/${approvalId}/resolve`, { user: 'root', body: { approved: true } }),
    ).toMatchObject({
      status: 409,
      body: { error: { _tag: 'ApprovalAlreadyResolved', approvalId, status: 'rejected' } },
    })
    expect(await as('ann').approvals.get.query({ approvalId })).toMatchObject({
      status: 'rejected',
      resolvedBy: { id: 'ann' },
    })
  })

  it('404 for an unknown approval; 401 without a token; 403 for a user and for an approver the tool does not allow', async () => {
    expect(await api('/api/approvals/nope/resolve', { user: 'ann', body: { approved: true } })).toMatchObject(
      {
        status: 404,
        body: { error: { _tag: 'ApprovalNotFound', approvalId: 'nope' } },
      },
    )
    const { approvalId } = await pendingApproval()
    expect(await api(`/api/approvals/${approvalId}/resolve`, { body: { approved: true } })).toMatchObject({
      status: 401,
      body: { error: { _tag: 'Unauthenticated' } },
    })
    expect(
      await api(`/api/approvals/${approvalId}/resolve`, { user: 'alice', body: { approved: true } }),
    ).toMatchObject({
      status: 403,
      body: { error: { _tag: 'RoleRequired', principalId: 'alice' } },
    })
    const wire = await pendingApproval('treasury')
    expect(
      await api(`/api/approvals/${wire.approvalId}/resolve`, { user: 'ann', body: { approved: true } }),
    ).toMatchObject({
      status: 403,
      body: { error: { _tag: 'NotAllowedToResolve', principalId: 'ann', requirementId: wire.approvalId } },
    })
    expect(await as('root').approvals.get.query({ approvalId: wire.approvalId })).toMatchObject({
      status: 'pending',
    })
    expect(await as('root').approvals.get.query({ approvalId })).toMatchObject({ status: 'pending' })
    // An admin may.
    expect(
      (await api(`/api/approvals/${wire.approvalId}/resolve`, { user: 'root', body: { approved: true } }))
        .body,
    ).toMatchObject({ status: 'approved', resolvedBy: { id: 'root' } })
  })

  it('400 for a body that is not JSON or not an ApprovalAnswer; 413 for one over the size limit; nothing recorded', async () => {
    const { approvalId } = await pendingApproval()
    const path = `/api/approvals/${approvalId}/resolve`
    expect(await api(path, { user: 'ann', rawBody: '{"approved": tru' })).toMatchObject({
      status: 400,
      body: { error: { _tag: 'InvalidRequest', reason: 'the body is not JSON' } },
    })
    const shape = await api(path, { user: 'ann', body: { approved: 'yes' } })
    expect(shape).toMatchObject({ status: 400, body: { error: { _tag: 'InvalidRequest' } } })
    expect(shape.body.error.issues).toStrictEqual([expect.objectContaining({ path: 'approved' })])
    expect((await api(path, { user: 'ann', method: 'POST' })).status).toBe(400)
    expect(
      await api(path, { user: 'ann', body: { approved: true, note: 'x'.repeat(100 * 1024) } }),
    ).toMatchObject({
      status: 413,
      body: { error: { _tag: 'PayloadTooLarge', maxBytes: 64 * 1024 } },
    })
    expect(await as('ann').approvals.get.query({ approvalId })).toMatchObject({ status: 'pending' })
  })
})
