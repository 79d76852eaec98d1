import {
  Approval,
  ApprovalRecord,
  Grant,
  type RequirementRecord,
  Resolution,
  type RunEvent,
  type RunRecord,
  type RunStore,
} from '@countersign/core'
import {
  batchOf,
  samplePrincipal,
  sampleRequirement,
  sampleResolution,
  sampleRun,
} from '@countersign/core/testing'
import { Effect, Either, Schema } from 'effect'

/** Fixed times, as in the core's samples: only their order matters. */
export const T = 1_767_225_600_000

export const finance = samplePrincipal('fin', ['finance'])

/** Commits a stop of `runId` at `seq` (its one event), making `record` the run's record. */
export const stop = (
  store: RunStore,
  record: RunRecord,
  requirements: ReadonlyArray<RequirementRecord>,
  event?: RunEvent,
) =>
  store.commit(
    batchOf(record.runId, [
      event ?? {
        _tag: 'RunPaused',
        runId: record.runId,
        seq: record.lastSeq,
        at: record.updatedAt,
        requirements,
      },
    ]),
    record,
    requirements,
  )

/** A run created, then paused at seq 1 on `requirements`. */
export const pausedOn = (
  store: RunStore,
  runId: string,
  requirements: ReadonlyArray<RequirementRecord>,
  changes: Partial<RunRecord> = {},
) =>
  Effect.gen(function* () {
    yield* store.createRun(sampleRun(runId, changes))
    const record = sampleRun(runId, {
      ...changes,
      status: 'paused',
      epoch: 1,
      lastSeq: 1,
      pendingRequirementIds: requirements.map(({ id }) => id),
      updatedAt: T + 5,
    })
    yield* stop(store, record, requirements)
    return record
  })

export const query = Schema.decodeSync(Approval.ApprovalQuery)

export const audit = (id: string, runId: string, changes: Partial<ApprovalRecord> = {}) =>
  new ApprovalRecord({
    id,
    type: 'audit',
    runId,
    sessionId: `session-of-${runId}`,
    userId: 'user-ada',
    source: { type: 'agent', id: 'refund-agent', name: 'refund-agent' },
    toolName: 'find_order',
    toolCallId: `call-${id}`,
    toolArgs: { orderId: 1042 },
    requestedBy: samplePrincipal('user-ada'),
    status: 'approved',
    resolvedAt: T + 12,
    createdAt: T + 10,
    runStatus: 'running',
    outcome: { status: 'completed', result: { found: true } },
    ...changes,
  })

export const grant = (id: string, changes: Partial<Grant.Grant> = {}) =>
  new Grant.Grant({
    id,
    scope: 'session',
    sessionId: 'session-of-run-a',
    sourceId: 'refund-agent',
    toolName: 'issue_refund',
    grantedBy: finance,
    grantedAt: T + 1,
    uses: 0,
    ...changes,
  })

/** A failure as a plain value to compare: its tag and fields. */
const plain = (error: unknown) =>
  typeof error === 'object' && error !== null ? { tag: (error as { _tag?: unknown })._tag, ...error } : error

/** The answer of an effect, or its typed failure, as a value to compare. */
const outcome = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.map(Effect.either(effect), (either) =>
    Either.isRight(either) ? { ok: either.right } : { failed: plain(either.left) },
  )

/**
 * Approvals, deadlines and grants written and read through one store: every answer, in order,
 * labelled. The same on every store that behaves as the memory store does.
 */
export const approvalScenario = (store: RunStore) =>
  Effect.gen(function* () {
    const answers: Array<[string, unknown]> = []
    const note = function* <A, E>(label: string, effect: Effect.Effect<A, E>) {
      answers.push([label, yield* outcome(effect)])
    }

    // run-a: two approvals (one with a team as its source) and a confirmation, two with deadlines.
    const a1 = sampleRequirement('run-a', 'a1', { epoch: 1, expiresAt: T + 50, onExpire: 'reject' })
    const a2 = sampleRequirement('run-a', 'a2', {
      epoch: 1,
      toolCall: { id: 'call-a2', name: 'send_email', args: { to: 'ada@example.com' } },
      request: { message: 'Mail the customer', source: { type: 'team', id: 'team-x', name: 'Team X' } },
    })
    const a3 = sampleRequirement('run-a', 'a3', { epoch: 1, kind: 'confirmation', expiresAt: T + 40 })
    yield* pausedOn(store, 'run-a', [a1, a2, a3])
    // run-b: another agent's, another user's; lapses.
    const b1 = sampleRequirement('run-b', 'b1', {
      epoch: 1,
      createdAt: T + 20,
      expiresAt: T + 30,
      onExpire: 'cancel',
    })
    yield* pausedOn(store, 'run-b', [b1], { agentId: 'other-agent', userId: 'user-bob' })
    // run-c: approved, then completed.
    const c1 = sampleRequirement('run-c', 'c1', { epoch: 1, createdAt: T + 5, expiresAt: T + 20 })
    const pausedC = yield* pausedOn(store, 'run-c', [c1])
    yield* note(
      'resolve c1',
      store.resolveRequirement('run-c', 'c1', sampleResolution('fin', { approved: true }, T + 15)),
    )
    yield* stop(
      store,
      sampleRun('run-c', {
        ...pausedC,
        status: 'completed',
        lastSeq: 2,
        pendingRequirementIds: [],
        updatedAt: T + 16,
      }),
      [],
      { _tag: 'RunCompleted', runId: 'run-c', seq: 2, at: T + 16, content: 'Refunded.' },
    )

    yield* note(
      'resolve a2',
      store.resolveRequirement(
        'run-a',
        'a2',
        sampleResolution(
          'fin',
          { approved: false, note: 'Not this one', data: { reason: ['tone'] } },
          T + 21,
        ),
      ),
    )
    yield* note(
      'resolve a2 again',
      store.resolveRequirement('run-a', 'a2', sampleResolution('fin', { approved: true }, T + 22)),
    )
    yield* note(
      'b1 lapses',
      store.resolveRequirement(
        'run-b',
        'b1',
        new Resolution({ value: null, resolvedBy: finance, resolvedAt: T + 31, lapsed: 'expired' }),
      ),
    )
    yield* note('get a3', store.getRequirement('run-a', 'a3'))

    // Recorded approvals: an audit (its stored run status stale), written twice; one of a run that is not there.
    yield* note('record r1', store.recordApproval(audit('r1', 'run-a', { grantId: 'g-x' })))
    yield* note(
      'record r1 again',
      store.recordApproval(audit('r1', 'run-a', { status: 'rejected', note: 'changed' })),
    )
    yield* note(
      'record r2',
      store.recordApproval(
        audit('r2', 'run-ghost', { createdAt: T + 1, runStatus: 'completed', status: 'rejected' }),
      ),
    )
    yield* note('record over a1', store.recordApproval(audit('a1', 'run-a', { status: 'approved' })))

    const filters: Array<Approval.ApprovalFilter> = [
      {},
      { status: 'pending' },
      { status: 'approved' },
      { status: 'rejected' },
      { status: 'expired' },
      { status: 'cancelled' },
      { type: 'required' },
      { type: 'audit' },
      { sourceId: 'refund-agent' },
      { sourceId: 'team-x' },
      { sourceId: 'other-agent' },
      { userId: 'user-ada' },
      { userId: 'user-bob' },
      { toolName: 'send_email' },
      { runId: 'run-a' },
      { sessionId: 'session-of-run-b' },
      { grantId: 'g-x' },
      { createdFrom: T + 10 },
      { createdTo: T + 10 },
      { createdFrom: T + 5, createdTo: T + 20 },
      { runId: 'run-a', status: 'pending', type: 'required' },
      { userId: 'nobody' },
    ]
    for (const filter of filters) {
      yield* note(`list ${JSON.stringify(filter)}`, store.listApprovals(query(filter)))
      yield* note(`count ${JSON.stringify(filter)}`, store.countApprovals(filter))
    }
    for (const page of [
      { offset: 1, limit: 2 },
      { offset: 4, limit: 50 },
      { offset: 40, limit: 5 },
      { limit: 1 },
    ])
      yield* note(`page ${JSON.stringify(page)}`, store.listApprovals(query(page)))
    for (const id of ['a1', 'a2', 'a3', 'b1', 'c1', 'r1', 'r2', 'nope'])
      yield* note(`get ${id}`, store.getApproval(id))

    for (const [now, limit] of [
      [T + 19, 10],
      [T + 25, 10],
      [T + 45, 10],
      [T + 45, 1],
      [T + 100, 10],
      [T + 100, 2],
      [T + 100, 0],
    ] as const)
      yield* note(`expired at +${now - T}, ${limit}`, store.listExpired(now, limit))

    // Grants: a session grant used twice then revoked, a once grant used, one revoked, one of another session.
    yield* note('create g1', store.createGrant(grant('g1')))
    yield* note(
      'create g2',
      store.createGrant(grant('g2', { scope: 'once', grantedAt: T + 2, note: 'just once' })),
    )
    yield* note(
      'create g3',
      store.createGrant(grant('g3', { scope: 'once', grantedAt: T + 2, args: { orderId: 7 } })),
    )
    yield* note(
      'create g4',
      store.createGrant(
        grant('g4', {
          sessionId: 'session-of-run-b',
          sourceId: 'other-agent',
          toolName: 'send_email',
          grantedAt: T + 3,
        }),
      ),
    )
    const use = (id: string, grantId: string, createdAt: number) =>
      audit(id, 'run-a', { type: 'required', grantId, createdAt, toolName: 'issue_refund' })
    yield* note('use g1', store.useGrant('g1', use('u1', 'g1', T + 30)))
    yield* note('use g1 again', store.useGrant('g1', use('u2', 'g1', T + 31)))
    yield* note('use g2', store.useGrant('g2', use('u3', 'g2', T + 32)))
    yield* note('use g2 again', store.useGrant('g2', use('u4', 'g2', T + 33)))
    yield* note('revoke g2', store.revokeGrant('g2', { revokedBy: finance, revokedAt: T + 34 }))
    yield* note(
      'revoke g3',
      store.revokeGrant('g3', { revokedBy: finance, revokedAt: T + 35, note: 'no longer' }),
    )
    yield* note('revoke g3 again', store.revokeGrant('g3', { revokedBy: finance, revokedAt: T + 36 }))
    yield* note('use g3', store.useGrant('g3', use('u5', 'g3', T + 37)))
    yield* note('list grants before g1 is revoked', store.listGrants({}))
    yield* note('revoke g1', store.revokeGrant('g1', { revokedBy: finance, revokedAt: T + 38 }))
    yield* note('use g1 revoked', store.useGrant('g1', use('u6', 'g1', T + 39)))
    yield* note('use missing', store.useGrant('g-missing', use('u7', 'g-missing', T + 40)))
    yield* note('revoke missing', store.revokeGrant('g-missing', { revokedBy: finance, revokedAt: T + 40 }))
    for (const id of ['g1', 'g2', 'g3', 'g4', 'g-missing']) yield* note(`get ${id}`, store.getGrant(id))
    const grantFilters: Array<Grant.GrantFilter> = [
      {},
      { sessionId: 'session-of-run-a' },
      { sourceId: 'other-agent' },
      { toolName: 'issue_refund' },
      { status: 'active' },
      { status: 'used' },
      { status: 'revoked' },
      { sessionId: 'session-of-run-a', status: 'revoked' },
    ]
    for (const filter of grantFilters)
      yield* note(`grants ${JSON.stringify(filter)}`, store.listGrants(filter))
    yield* note('uses of g1', store.listApprovals(query({ grantId: 'g1' })))
    yield* note('all approvals at the end', store.listApprovals(query({})))

    // The runs move on: the approvals read their runs' current status.
    yield* stop(
      store,
      sampleRun('run-a', { status: 'cancelled', epoch: 1, lastSeq: 2, updatedAt: T + 60 }),
      [],
      { _tag: 'RunCancelled', runId: 'run-a', seq: 2, at: T + 60 },
    )
    yield* note('a1 once run-a is cancelled', store.getApproval('a1'))
    yield* note('r1 once run-a is cancelled', store.getApproval('r1'))
    yield* note('expired once run-a is cancelled', store.listExpired(T + 100, 10))
    yield* note(
      'a1 cancelled with its run',
      store.resolveRequirement(
        'run-a',
        'a1',
        new Resolution({ value: null, resolvedBy: finance, resolvedAt: T + 61, lapsed: 'cancelled' }),
      ),
    )
    yield* note('all approvals, run-a cancelled', store.listApprovals(query({})))
    return answers
  })
