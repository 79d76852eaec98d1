import { Resolutions } from '@countersign/core'
import {
  type FixtureUser,
  startServerProcess,
  tokenOf,
  type ServerProcess,
} from '@countersign/server/testing'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import {
  type ApprovalChangeView,
  type AppRouter,
  createClient,
  type CountersignClient,
  errorOf,
  type RunEvent,
  type Subscription,
  TRPCClientError,
} from '../src/index.js'

/*
 * The client against a real server process, over real sockets: the fixture server of
 * `@countersign/server/testing` (scripted agents and a team on the memory store).
 */

let server: ServerProcess
beforeAll(async () => {
  server = await startServerProcess()
})
afterAll(() => server.kill())

const clients: Array<CountersignClient> = []
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()))
})
const clientOf = (user: FixtureUser | 'stranger') => {
  const client = createClient({
    url: server.url,
    token: user === 'stranger' ? 'unknown-token' : tokenOf(user),
    WebSocket,
    retryDelayMs: () => 10,
  })
  clients.push(client)
  return client
}

const collect = async <A>(iterable: AsyncIterable<A>) => {
  const items: Array<A> = []
  for await (const item of iterable) items.push(item)
  return items
}

const consecutive = (events: ReadonlyArray<RunEvent>) => events.map((_, index) => index + 1)

describe('createClient', () => {
  it('starts a run, sees its requirement, continues it with a confirmation, and it completes', async () => {
    const alice = clientOf('alice')
    expect((await alice.definitions.list()).map(({ id }) => id)).toStrictEqual([
      'assistant',
      'chatty',
      'expiring',
      'exporter',
      'finance',
      'flaky',
      'guarded_holder',
      'holder',
      'payments',
      'payouts',
      'refunds',
      'slow',
      'treasury',
      'vault',
      'support',
    ])
    const paused = await alice.runs.start('assistant', 'Move 100', { sessionId: 's-1' })
    expect(paused).toMatchObject({ status: 'paused', sessionId: 's-1' })
    const requirement = paused.requirements.find(({ id }) => id === paused.activeRequirementIds[0])
    expect(requirement).toMatchObject({ kind: 'confirmation', toolCall: { name: 'transfer' } })
    const done = await alice.runs.continue(paused.runId, [Resolutions.confirm(requirement!.id)])
    expect(done).toMatchObject({ status: 'completed', content: 'Done: moved 100' })
  })

  it('runEvents with callbacks: RunPaused, then after continue RequirementResolved … RunCompleted, in order', async () => {
    const alice = clientOf('alice')
    const started = await alice.runs.startStream('assistant', 'Move 100')
    const events: Array<RunEvent> = []
    await new Promise<void>((resolve, reject) => {
      alice.runEvents(started.runId, {
        onEvent: (event) => {
          events.push(event)
          if (event._tag === 'RunPaused')
            void alice.runs.continue(started.runId, [Resolutions.confirm(event.requirements[0]!.id)])
        },
        onError: reject,
        onComplete: resolve,
      })
    })
    const tags = events.map(({ _tag }) => _tag)
    const paused = tags.indexOf('RunPaused')
    expect(paused).toBeGreaterThan(0)
    expect(tags[paused + 1]).toBe('RequirementResolved')
    expect(tags.at(-1)).toBe('RunCompleted')
    expect(events.map(({ seq }) => seq)).toStrictEqual(consecutive(events))
  })

  it('runEvents as an async iterable, from afterSeq', async () => {
    const alice = clientOf('alice')
    const paused = await alice.runs.start('assistant', 'Move 100')
    await alice.runs.continue(paused.runId, [Resolutions.confirm(paused.activeRequirementIds[0]!)])
    const all = await collect(alice.runEvents(paused.runId))
    expect(all.map(({ seq }) => seq)).toStrictEqual(consecutive(all))
    const later = await collect(alice.runEvents(paused.runId, { afterSeq: 2 }))
    expect(later).toStrictEqual(all.slice(2))
  })

  it('breaking out of the iteration unsubscribes', async () => {
    const alice = clientOf('alice')
    const paused = await alice.runs.start('assistant', 'Move 100')
    const seen: Array<RunEvent> = []
    for await (const event of alice.runEvents(paused.runId)) {
      seen.push(event)
      if (event._tag === 'RunPaused') break
    }
    expect(seen.at(-1)?._tag).toBe('RunPaused')
  })

  it('after the server drops the socket, the iteration resumes from the last seq: nothing lost or repeated', async () => {
    const alice = clientOf('alice')
    const paused = await alice.runs.start('assistant', 'Move 100')
    const seqs: Array<number> = []
    for await (const event of alice.runEvents(paused.runId)) {
      seqs.push(event.seq)
      if (event._tag === 'RunPaused') {
        server.send('drop-sockets')
        expect(await server.nextLine((line) => line.startsWith('dropped '))).not.toBe('dropped 0')
        await alice.runs.continue(paused.runId, [Resolutions.confirm(event.requirements[0]!.id)])
      }
    }
    const stored = await collect(alice.runEvents(paused.runId))
    expect(seqs).toStrictEqual(stored.map(({ seq }) => seq))
  })

  it('onOpen and onClose tell when the WebSocket connects, drops and connects again', async () => {
    const seen: Array<'open' | 'close'> = []
    let notify = () => {}
    const reached = (count: number) =>
      new Promise<void>((resolve) => {
        notify = () => seen.length >= count && resolve()
        notify()
      })
    const record = (what: 'open' | 'close') => () => {
      seen.push(what)
      notify()
    }
    clients.push(
      createClient({
        url: server.url,
        token: tokenOf('alice'),
        WebSocket,
        retryDelayMs: () => 10,
        onOpen: record('open'),
        onClose: record('close'),
      }),
    )
    await reached(1)
    server.send('drop-sockets')
    await reached(3)
    expect(seen).toStrictEqual(['open', 'close', 'open'])
  })

  it('approvals: an approver lists and decides, the run goes on; a second decision fails with a typed CONFLICT', async () => {
    const alice = clientOf('alice')
    const ann = clientOf('ann')
    const paused = await alice.runs.start('finance', 'Refund A-1')
    const { approvals } = await ann.approvals.list({ runId: paused.runId })
    expect(await ann.approvals.count({ runId: paused.runId })).toBe(1)
    await ann.approvals.decide(approvals[0]!.id, { approved: true, note: 'fine' })
    const second = await ann.approvals
      .decide(approvals[0]!.id, { approved: false })
      .catch((error: unknown) => error)
    expect(errorOf(second)).toMatchObject({ _tag: 'ApprovalAlreadyResolved', status: 'approved' })
    expect((await collect(alice.runEvents(paused.runId))).at(-1)?._tag).toBe('RunCompleted')
    expect(await alice.runs.get(paused.runId)).toMatchObject({ status: 'completed' })
  })

  it('grants: an approver grants a tool for a session, a covered run does not pause; revoked twice is GrantInactive', async () => {
    const alice = clientOf('alice')
    const ann = clientOf('ann')
    const grant = await ann.grants.create({
      scope: 'session',
      principalId: 'alice',
      sessionId: 'client-grant',
      sourceId: 'finance',
      toolName: 'process_refund',
    })
    expect(await alice.runs.start('finance', 'Refund', { sessionId: 'client-grant' })).toMatchObject({
      status: 'completed',
    })
    expect(await ann.grants.list({ sessionId: 'client-grant' })).toMatchObject([
      { id: grant.id, uses: 1, status: 'active' },
    ])
    expect(await ann.grants.revoke(grant.id, { note: 'done' })).toMatchObject({ status: 'revoked' })
    const again = await ann.grants.revoke(grant.id).catch((error: unknown) => error)
    expect(errorOf(again)).toMatchObject({ _tag: 'GrantInactive', grantId: grant.id, status: 'revoked' })
    expect((await alice.runs.start('finance', 'Refund', { sessionId: 'client-grant' })).status).toBe('paused')
  })

  it("approvalChanges from a page's changeSeq: raised, then decided, in order, across a dropped socket", async () => {
    const alice = clientOf('alice')
    const ann = clientOf('ann')
    const { changeSeq } = await ann.approvals.list({ status: 'pending' })
    const paused = await alice.runs.start('finance', 'Refund A-1')
    const approvalId = paused.activeRequirementIds[0]!
    const seen: Array<ApprovalChangeView> = []
    for await (const change of ann.approvalChanges({ afterSeq: changeSeq })) {
      seen.push(change)
      if (change.status !== 'pending') break
      server.send('drop-sockets')
      expect(await server.nextLine((line) => line.startsWith('dropped '))).not.toBe('dropped 0')
      await ann.approvals.decide(approvalId, { approved: true })
    }
    expect(seen.map(({ seq, approvalId, status }) => ({ seq, approvalId, status }))).toStrictEqual([
      { seq: changeSeq + 1, approvalId, status: 'pending' },
      { seq: changeSeq + 2, approvalId, status: 'approved' },
    ])
    expect(seen[1]!.approval).toStrictEqual(await ann.approvals.get(approvalId))
  })

  it('approvalChanges with callbacks and no afterSeq starts at the end of the queue: nothing raised before it', async () => {
    const alice = clientOf('alice')
    const ann = clientOf('ann')
    const before = await alice.runs.start('finance', 'Refund A-1')
    const changes: Array<ApprovalChangeView> = []
    let subscription!: Subscription
    const first = new Promise<void>((resolve, reject) => {
      subscription = ann.approvalChanges({
        onChange: (change) => {
          changes.push(change)
          resolve()
        },
        onError: reject,
      })
    })
    // Raised until the subscriber hears one: only those raised after it started can be heard.
    const raised: Array<string> = []
    for (let attempt = 0; attempt < 50 && changes.length === 0; attempt++)
      raised.push((await alice.runs.start('finance', 'Refund A-1')).activeRequirementIds[0]!)
    await first
    subscription.unsubscribe()

    expect(changes[0]).toMatchObject({ status: 'pending' })
    expect(raised).toContain(changes[0]!.approvalId)
    expect(changes.map(({ approvalId }) => approvalId)).not.toContain(before.activeRequirementIds[0])
  })

  it("runs.list and runs.awaitingMe: the caller's runs newest first, and what waits for them", async () => {
    const alice = clientOf('alice')
    const confirm = await alice.runs.start('assistant', 'Move 100')
    const refund = await alice.runs.start('finance', 'Refund A-2')
    const page = await alice.runs.list({ limit: 2 })
    expect(new Set(page.runs.map(({ runId }) => runId))).toStrictEqual(new Set([refund.runId, confirm.runId]))
    expect(page.runs[0]!.createdAt).toBeGreaterThanOrEqual(page.runs[1]!.createdAt)
    expect(page.total).toBeGreaterThanOrEqual(2)
    expect((await alice.runs.list({ definitionId: 'finance', status: 'paused' })).runs[0]).toMatchObject({
      runId: refund.runId,
      kind: 'agent',
      activeRequirementIds: refund.activeRequirementIds,
    })
    expect(errorOf(await alice.runs.list({ limit: 101 }).catch((error: unknown) => error))).toMatchObject({
      _tag: 'InvalidRequest',
    })

    const waiting = (await alice.runs.awaitingMe()).map(({ requirementId }) => requirementId)
    expect(waiting).toContain(confirm.activeRequirementIds[0])
    expect(waiting).not.toContain(refund.activeRequirementIds[0])
    expect(
      (await clientOf('ann').runs.awaitingMe()).find(({ runId }) => runId === refund.runId),
    ).toMatchObject({ kind: 'approval', definitionId: 'finance', toolCall: { name: 'process_refund' } })
  })

  it('errors are typed: errorOf reads the tag and fields, for calls and for subscriptions', async () => {
    const stranger = clientOf('stranger')
    const unauthenticated = await stranger.definitions.list().catch((error: unknown) => error)
    expect(errorOf(unauthenticated)).toMatchObject({ _tag: 'Unauthenticated' })

    const alice = clientOf('alice')
    const missing = await alice.runs.get('no-such-run').catch((error: unknown) => error)
    expect(errorOf(missing)).toMatchObject({ _tag: 'RunNotFound', runId: 'no-such-run' })

    const paused = await alice.runs.start('assistant', 'Move 100')
    const bob = clientOf('bob')
    const followed = await collect(bob.runEvents(paused.runId)).catch((error: unknown) => error)
    expect(errorOf(followed)).toMatchObject({ _tag: 'RunNotFound', runId: paused.runId })
    const queue = await collect(alice.approvalChanges()).catch((error: unknown) => error)
    expect(errorOf(queue)).toMatchObject({ _tag: 'RoleRequired', principalId: 'alice' })
  })

  it('each class of error has its tRPC code and typed error: FORBIDDEN, BAD_REQUEST, CONFLICT, PRECONDITION_FAILED, PAYLOAD_TOO_LARGE', async () => {
    const alice = clientOf('alice')
    const failed = async (call: Promise<unknown>) => {
      const error = await call.then(
        () => expect.unreachable('the call succeeded'),
        (error: unknown) => error,
      )
      expect(error).toBeInstanceOf(TRPCClientError)
      return { code: (error as TRPCClientError<AppRouter>).data?.code, error: errorOf(error) }
    }
    expect(await failed(alice.approvals.list())).toMatchObject({
      code: 'FORBIDDEN',
      error: { _tag: 'RoleRequired', principalId: 'alice' },
    })
    expect(await failed(alice.runs.resolve('some-run', []))).toMatchObject({
      code: 'BAD_REQUEST',
      error: { _tag: 'InvalidRequest', issues: [{ path: 'resolutions.0' }] },
    })
    const paused = await alice.runs.start('assistant', 'Move 100')
    const requirementId = paused.activeRequirementIds[0]!
    await alice.runs.resolve(paused.runId, [Resolutions.confirm(requirementId)])
    expect(await failed(alice.runs.resolve(paused.runId, [Resolutions.reject(requirementId)]))).toMatchObject(
      {
        code: 'CONFLICT',
        error: { _tag: 'RequirementAlreadyResolved', requirementId },
      },
    )
    await alice.runs.cancel(paused.runId)
    expect(await failed(alice.runs.continue(paused.runId))).toMatchObject({
      code: 'PRECONDITION_FAILED',
      error: { _tag: 'RunNotContinuable', status: 'cancelled' },
    })
    const tooLarge = { code: 'PAYLOAD_TOO_LARGE', error: { _tag: 'PayloadTooLarge', maxBytes: 64 * 1024 } }
    expect(await failed(alice.runs.start('assistant', 'x'.repeat(100 * 1024)))).toMatchObject(tooLarge)
    expect(await failed(collect(alice.runEvents('x'.repeat(100 * 1024))))).toMatchObject(tooLarge)
    // The same client goes on over the same WebSocket.
    expect((await collect(alice.runEvents(paused.runId))).at(-1)?._tag).toBe('RunCancelled')
  })
})
