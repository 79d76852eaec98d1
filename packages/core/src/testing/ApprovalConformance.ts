import { Effect, Option, Schema } from 'effect'
import { describe, expect } from 'vitest'
import * as Approval from '../Approval.js'
import { ApprovalRecord } from '../Approval.js'
import { Grant, statusOf as grantStatus, type GrantFilter, type Revocation } from '../Grant.js'
import { RequirementRecord, Resolution } from '../Requirement.js'
import { RunRecord } from '../Run.js'
import type { RunEvent } from '../RunEvent.js'
import type { RunStore } from '../RunStore.js'
import { expectTotalsCountedToTheLimit, pastFirstCountLimit } from './cappedTotals.js'
import { failureOf } from './failureOf.js'
import {
  asMutable,
  batchOf,
  fillingPastCountLimit,
  race,
  run,
  samplePrincipal,
  sampleRequirement,
  sampleResolution,
  sampleRun,
  someValue,
  T0,
} from './StoreConformance.js'

/** What the approval tests take from `describeStoreConformance`. */
export interface ConformanceKit {
  /** A test run against a store from the suite's `makeStore`. */
  readonly test: (title: string, body: (store: RunStore) => Promise<void>, timeout?: number) => void
  /** An id no other test (nor an earlier run of the suite) uses. */
  readonly uid: (prefix: string) => string
}

/**
 * An approval decided when written: the audit of a refund call that ran, every field set but
 * `expiresAt` and `grantId` (a grant's use adds it). Its `runStatus` is that of a `sampleRun`.
 */
export const sampleApproval = (runId: string, id: string, changes: Partial<ApprovalRecord> = {}) =>
  new ApprovalRecord({
    id,
    type: 'audit',
    runId,
    sessionId: `session-of-${runId}`,
    userId: 'user-ada',
    source: { type: 'agent', id: 'refund-agent', name: 'Refund agent' },
    toolName: 'issue_refund',
    toolCallId: `call-${id}`,
    toolArgs: { orderId: 1042, amount: 129.5, currency: 'EUR' },
    requestedBy: samplePrincipal('user-ada', ['user', 'support']),
    status: 'approved',
    resolvedBy: samplePrincipal('grace', ['finance']),
    resolvedAt: T0 + 100,
    note: 'within the refund policy',
    resolutionData: { checkedBy: 'policy', limits: [100, 500] },
    createdAt: T0 + 10,
    runStatus: 'running',
    outcome: { status: 'completed', result: { refundId: 'rf-9', amount: 129.5 } },
    ...changes,
  })

/** An active session grant of refunds in `sessionId`, every field set but `revocation`. */
export const sampleGrant = (sessionId: string, id: string, changes: Partial<Grant> = {}) =>
  new Grant({
    id,
    scope: 'session',
    sessionId,
    sourceId: 'refund-agent',
    toolName: 'issue_refund',
    args: { orderId: 1042, currency: 'EUR' },
    grantedBy: samplePrincipal('grace', ['finance']),
    grantedAt: T0 + 5,
    note: 'refunds of this order are fine today',
    approvalId: 'approval-of-the-grant',
    uses: 0,
    ...changes,
  })

const encodeApproval = Schema.encodeSync(ApprovalRecord)
const encodeApprovals = Schema.encodeSync(Schema.Array(ApprovalRecord))
const encodeGrant = Schema.encodeSync(Grant)
const encodeGrants = Schema.encodeSync(Schema.Array(Grant))
const encodeRequirements = Schema.encodeSync(Schema.Array(RequirementRecord))
const encodeRequirement = Schema.encodeSync(RequirementRecord)

/** A listing query: the filter given, paging as `ApprovalQuery` defaults it (offset 0, limit 50). */
const query = (fields: Approval.ApprovalFilter & { readonly offset?: number; readonly limit?: number }) =>
  Schema.decodeSync(Approval.ApprovalQuery)(fields)

const idsOf = (items: ReadonlyArray<{ readonly id: string }>) => items.map(({ id }) => id)

/** JSON keys MongoDB treats specially, as a model or an approver may send them. */
const awkwardJson = {
  $ref: '#/definitions/order',
  'order.id': 1042,
  '': 'empty key',
  nested: { $set: [1, { 'a.b': null }], list: [[], {}], yes: true },
}

/** A requirement closed without a decision: its deadline passed, or its run was cancelled. */
export const lapse = (lapsed: 'expired' | 'cancelled', resolvedAt = T0 + 300) =>
  new Resolution({ value: null, resolvedBy: samplePrincipal('sweeper', ['system']), resolvedAt, lapsed })

/** The record of `runId` paused at its first event, its other fields as `changes` say. */
export const pausedRecord = (runId: string, changes: Partial<RunRecord> = {}) =>
  sampleRun(runId, { ...changes, status: 'paused', lastSeq: 1 })

/** Creates the run of `paused` and commits its pause, raising `requirements`. */
export const pause = async (
  store: RunStore,
  paused: RunRecord,
  requirements: ReadonlyArray<RequirementRecord>,
) => {
  const record = new RunRecord({ ...paused, pendingRequirementIds: idsOf(requirements) })
  await run(
    store.createRun(new RunRecord({ ...record, status: 'running', lastSeq: 0, pendingRequirementIds: [] })),
  )
  const event: RunEvent = {
    _tag: 'RunPaused',
    runId: record.runId,
    seq: record.lastSeq,
    at: T0 + record.lastSeq,
    requirements,
  }
  await run(store.commit(batchOf(record.runId, [event]), record, requirements))
  return record
}

/** Commits the ending of a paused run (raising nothing, its requirements left as they are). */
export const end = async (
  store: RunStore,
  paused: RunRecord,
  status: 'completed' | 'failed' | 'cancelled',
) => {
  const base = { runId: paused.runId, seq: paused.lastSeq + 1, at: T0 + 500 }
  const event: RunEvent =
    status === 'completed'
      ? { _tag: 'RunCompleted', ...base, content: 'Refunded' }
      : status === 'failed'
        ? { _tag: 'RunFailed', ...base, error: 'crashed' }
        : { _tag: 'RunCancelled', ...base }
  const record = new RunRecord({
    ...paused,
    status,
    lastSeq: base.seq,
    pendingRequirementIds: [],
    updatedAt: base.at,
  })
  await run(store.commit(batchOf(paused.runId, [event]), record, []))
  return record
}

/** The approval recording one use of `grant` in run `runId`, as a writer would build it. */
export const useOf = (grant: Grant, runId: string, id: string, changes: Partial<ApprovalRecord> = {}) =>
  sampleApproval(runId, id, {
    grantId: grant.id,
    sessionId: grant.sessionId,
    source: { type: 'agent', id: grant.sourceId, name: grant.sourceId },
    toolName: grant.toolName,
    toolArgs: grant.args ?? { orderId: 7 },
    resolvedBy: grant.grantedBy,
    ...changes,
  })

export const revocationBy = (principalId: string, revokedAt = T0 + 200, note?: string): Revocation =>
  note === undefined
    ? { revokedBy: samplePrincipal(principalId, ['finance']), revokedAt }
    : { revokedBy: samplePrincipal(principalId, ['finance']), revokedAt, note }

/**
 * Approvals, expiry and grants: what every RunStore must do about them. Called inside
 * `describeStoreConformance`; the store may hold other tests' data, so every listing is narrowed
 * to what the test wrote (`listExpired`, which has no filter, is checked on the test's own runs
 * and on properties that hold whatever else is stored).
 */
export const describeApprovalConformance = ({ test, uid }: ConformanceKit): void => {
  /** A run of the grant's session, created, for its uses to be recorded in. */
  const runFor = async (store: RunStore, grant: Grant) => {
    const record = sampleRun(uid('run'), { sessionId: grant.sessionId })
    await run(store.createRun(record))
    return record.runId
  }

  describe('approvals', () => {
    test('a commit makes each requirement of kind approval an approval, read as Approval.fromRequirement', async (store) => {
      const runId = uid('run')
      const [sessionId, userId] = [uid('session'), uid('user')]
      const team = { type: 'team', id: uid('team'), name: 'Finance desk' } as const
      const sourced = sampleRequirement(runId, uid('req'), {
        request: { message: 'Refund over 100 EUR', approvers: ['finance'], source: team },
        createdAt: T0 + 10,
        expiresAt: T0 + 86_400_000,
        onExpire: 'cancel',
      })
      const plain = sampleRequirement(runId, uid('req'), {
        toolCall: {
          id: 'call-plain',
          name: 'send_email',
          args: { to: 'ada@example.com', body: awkwardJson },
        },
        createdAt: T0 + 11,
      })
      const record = await pause(store, pausedRecord(runId, { sessionId, userId }), [sourced, plain])

      const expectedSourced = new ApprovalRecord({
        id: sourced.id,
        type: 'required',
        runId,
        sessionId,
        userId,
        source: team,
        toolName: 'issue_refund',
        toolCallId: sourced.toolCall.id,
        toolArgs: { orderId: 1042, amount: 129.5, currency: 'EUR' },
        reason: 'Refund over 100 EUR',
        requestedBy: samplePrincipal('user-ada', ['user', 'support']),
        status: 'pending',
        createdAt: T0 + 10,
        expiresAt: T0 + 86_400_000,
        runStatus: 'paused',
      })
      // Without a source in its request, the run's agent raised it.
      const expectedPlain = new ApprovalRecord({
        id: plain.id,
        type: 'required',
        runId,
        sessionId,
        userId,
        source: { type: 'agent', id: 'refund-agent', name: 'refund-agent' },
        toolName: 'send_email',
        toolCallId: 'call-plain',
        toolArgs: { to: 'ada@example.com', body: awkwardJson },
        reason: 'Refund over 100 EUR',
        requestedBy: samplePrincipal('user-ada', ['user', 'support']),
        status: 'pending',
        createdAt: T0 + 11,
        runStatus: 'paused',
      })
      expect(encodeApproval(Approval.fromRequirement(sourced, record))).toStrictEqual(
        encodeApproval(expectedSourced),
      )
      expect(encodeApproval(Approval.fromRequirement(plain, record))).toStrictEqual(
        encodeApproval(expectedPlain),
      )
      expect(encodeApproval(someValue(await run(store.getApproval(sourced.id))))).toStrictEqual(
        encodeApproval(expectedSourced),
      )
      expect(encodeApproval(someValue(await run(store.getApproval(plain.id))))).toStrictEqual(
        encodeApproval(expectedPlain),
      )
      const listed = await run(store.listApprovals(query({ runId })))
      expect(encodeApprovals(listed.approvals)).toStrictEqual(
        encodeApprovals([expectedPlain, expectedSourced]),
      )
      expect(listed.total).toBe(2)
    })

    test('an approval of a run without session or user has neither', async (store) => {
      const runId = uid('run')
      const requirement = sampleRequirement(runId, uid('req'))
      const { sessionId: _s, userId: _u, ...rest } = pausedRecord(runId)
      const record = await pause(store, new RunRecord(rest), [requirement])

      const approval = someValue(await run(store.getApproval(requirement.id)))

      expect(encodeApproval(approval)).toStrictEqual(
        encodeApproval(Approval.fromRequirement(requirement, record)),
      )
      expect(Object.keys(encodeApproval(approval))).not.toContain('sessionId')
      expect(Object.keys(encodeApproval(approval))).not.toContain('userId')
    })

    test('requirements of other kinds are not approvals, and an unknown id is none', async (store) => {
      const runId = uid('run')
      const approval = sampleRequirement(runId, uid('req'))
      const form = sampleRequirement(runId, uid('req'), { kind: 'user_input', request: { fields: [] } })
      const external = sampleRequirement(runId, uid('req'), { kind: 'external_result', request: {} })
      await pause(store, pausedRecord(runId), [form, approval, external])

      expect(Option.isNone(await run(store.getApproval(form.id)))).toBe(true)
      expect(Option.isNone(await run(store.getApproval(external.id)))).toBe(true)
      expect(Option.isNone(await run(store.getApproval(uid('approval'))))).toBe(true)
      expect(idsOf((await run(store.listApprovals(query({ runId })))).approvals)).toStrictEqual([approval.id])
      expect(await run(store.countApprovals({ runId }))).toBe(1)
    })

    test("resolving an approval's requirement decides it: approved, rejected, expired or cancelled", async (store) => {
      const runId = uid('run')
      const [approved, rejected, bare, expired, cancelled] = [10, 11, 12, 13, 14].map((at) =>
        sampleRequirement(runId, uid('req'), { createdAt: T0 + at, expiresAt: T0 + 1_000_000 }),
      ) as [RequirementRecord, RequirementRecord, RequirementRecord, RequirementRecord, RequirementRecord]
      const record = await pause(store, pausedRecord(runId), [approved, rejected, bare, expired, cancelled])
      expect(await run(store.countApprovals({ runId, status: 'pending' }))).toBe(5)
      const decisions = [
        [
          approved,
          sampleResolution('grace', { approved: true, note: 'photos checked', data: { amount: 100 } }),
        ],
        [rejected, sampleResolution('heidi', { approved: false, note: 'no receipt' }, T0 + 101)],
        [bare, sampleResolution('ivan', { approved: true }, T0 + 102)],
        [expired, lapse('expired', T0 + 103)],
        [cancelled, lapse('cancelled', T0 + 104)],
      ] as const

      for (const [requirement, resolution] of decisions)
        await run(store.resolveRequirement(runId, requirement.id, resolution))

      const pendingOf = (requirement: RequirementRecord) => Approval.fromRequirement(requirement, record)
      const decided = (
        requirement: RequirementRecord,
        resolution: Resolution,
        changes: Partial<ApprovalRecord>,
      ) =>
        new ApprovalRecord({
          ...pendingOf(requirement),
          resolvedBy: resolution.resolvedBy,
          resolvedAt: resolution.resolvedAt,
          ...changes,
        })
      const expected = [
        decided(approved, decisions[0][1], {
          status: 'approved',
          note: 'photos checked',
          resolutionData: { amount: 100 },
        }),
        decided(rejected, decisions[1][1], { status: 'rejected', note: 'no receipt' }),
        decided(bare, decisions[2][1], { status: 'approved' }),
        decided(expired, decisions[3][1], { status: 'expired' }),
        decided(cancelled, decisions[4][1], { status: 'cancelled' }),
      ]
      for (const approval of expected) {
        expect(encodeApproval(someValue(await run(store.getApproval(approval.id))))).toStrictEqual(
          encodeApproval(approval),
        )
        // As fromRequirement reads the resolved requirement.
        const requirement = someValue(await run(store.getRequirement(runId, approval.id)))
        expect(encodeApproval(Approval.fromRequirement(requirement, record))).toStrictEqual(
          encodeApproval(approval),
        )
      }
      const byStatus = async (status: Approval.ApprovalStatus) => ({
        ids: idsOf((await run(store.listApprovals(query({ runId, status })))).approvals),
        count: await run(store.countApprovals({ runId, status })),
      })
      expect(await byStatus('pending')).toStrictEqual({ ids: [], count: 0 })
      expect(await byStatus('approved')).toStrictEqual({ ids: [bare.id, approved.id], count: 2 })
      expect(await byStatus('rejected')).toStrictEqual({ ids: [rejected.id], count: 1 })
      expect(await byStatus('expired')).toStrictEqual({ ids: [expired.id], count: 1 })
      expect(await byStatus('cancelled')).toStrictEqual({ ids: [cancelled.id], count: 1 })
    })

    test("every approval read carries its run's current status", async (store) => {
      const [runA, runB] = [uid('run'), uid('run')]
      const [a, b] = [sampleRequirement(runA, uid('req')), sampleRequirement(runB, uid('req'))]
      const pausedA = await pause(store, pausedRecord(runA), [a])
      const pausedB = await pause(store, pausedRecord(runB), [b])
      // Written while the run was running; read, it says what the run's record says now.
      const audit = sampleApproval(runA, uid('approval'), { runStatus: 'running', createdAt: T0 + 20 })
      await run(store.recordApproval(audit))
      const statusesOf = async (runId: string) =>
        (await run(store.listApprovals(query({ runId })))).approvals.map((approval) => approval.runStatus)

      expect(someValue(await run(store.getApproval(audit.id))).runStatus).toBe('paused')
      expect(await statusesOf(runA)).toStrictEqual(['paused', 'paused'])

      await end(store, pausedA, 'completed')
      await end(store, pausedB, 'cancelled')

      expect(encodeApproval(someValue(await run(store.getApproval(a.id))))).toStrictEqual(
        encodeApproval(
          new ApprovalRecord({ ...Approval.fromRequirement(a, pausedA), runStatus: 'completed' }),
        ),
      )
      expect(encodeApproval(someValue(await run(store.getApproval(audit.id))))).toStrictEqual(
        encodeApproval(new ApprovalRecord({ ...audit, runStatus: 'completed' })),
      )
      expect(await statusesOf(runA)).toStrictEqual(['completed', 'completed'])
      // The run's ending leaves its approval pending: a lapse is recorded by resolving it.
      const approvalB = someValue(await run(store.getApproval(b.id)))
      expect([approvalB.runStatus, approvalB.status]).toStrictEqual(['cancelled', 'pending'])
      expect(await statusesOf(runB)).toStrictEqual(['cancelled'])
    })

    test('recordApproval stores a decided approval whole, optional fields present or absent', async (store) => {
      const runId = uid('run')
      await run(store.createRun(sampleRun(runId)))
      const full = sampleApproval(runId, uid('approval'), {
        toolArgs: awkwardJson,
        resolutionData: awkwardJson,
        expiresAt: T0 + 3_600_000,
        grantId: uid('grant'),
        outcome: { status: 'failed', result: awkwardJson, error: 'SMTP down' },
        createdAt: T0 + 30,
      })
      const {
        sessionId: _s,
        userId: _u,
        resolvedBy: _b,
        resolvedAt: _a,
        note: _n,
        resolutionData: _d,
        outcome: _o,
        ...required
      } = sampleApproval(runId, uid('approval'), { status: 'rejected', createdAt: T0 + 20 })
      const minimal = new ApprovalRecord(required)
      const skipped = sampleApproval(runId, uid('approval'), {
        outcome: { status: 'skipped' },
        source: { type: 'workflow', id: uid('workflow'), name: '' },
        toolArgs: {},
        createdAt: T0 + 10,
      })

      for (const approval of [full, minimal, skipped]) await run(store.recordApproval(approval))

      for (const approval of [full, minimal, skipped])
        expect(encodeApproval(someValue(await run(store.getApproval(approval.id))))).toStrictEqual(
          encodeApproval(approval),
        )
      const listed = await run(store.listApprovals(query({ runId })))
      expect(encodeApprovals(listed.approvals)).toStrictEqual(encodeApprovals([full, minimal, skipped]))
    })

    test('recordApproval of an id stored already changes nothing', async (store) => {
      const runId = uid('run')
      const requirement = sampleRequirement(runId, uid('req'))
      const record = await pause(store, pausedRecord(runId), [requirement])
      const first = sampleApproval(runId, uid('approval'), { runStatus: 'paused', createdAt: T0 + 20 })

      await run(store.recordApproval(first))
      await run(
        store.recordApproval(
          sampleApproval(runId, first.id, { status: 'rejected', note: 'second write', createdAt: T0 + 99 }),
        ),
      )
      // The id of an approval raised by a commit is taken too.
      await run(store.recordApproval(sampleApproval(runId, requirement.id, { runStatus: 'paused' })))

      expect(encodeApproval(someValue(await run(store.getApproval(first.id))))).toStrictEqual(
        encodeApproval(first),
      )
      const required = Approval.fromRequirement(requirement, record)
      expect(encodeApproval(someValue(await run(store.getApproval(requirement.id))))).toStrictEqual(
        encodeApproval(required),
      )
      const listed = await run(store.listApprovals(query({ runId })))
      expect(encodeApprovals(listed.approvals)).toStrictEqual(encodeApprovals([first, required]))
      expect(listed.total).toBe(2)
      expect(await run(store.countApprovals({ runId }))).toBe(2)
    })

    test('every filter field narrows the listing and the count, and fields combine', async (store) => {
      const [runA, runB] = [uid('run'), uid('run')]
      const [userId, otherUser] = [uid('user'), uid('user')]
      const [agentA, agentB, team] = [uid('agent'), uid('agent'), uid('team')]
      const [toolOne, toolTwo, grantId] = [uid('tool'), uid('tool'), uid('grant')]
      const [sessionA, sessionB, sessionX] = [uid('session'), uid('session'), uid('session')]
      const T = T0 + 1_000
      const call = (name: string) => ({ id: uid('call'), name, args: { orderId: 7 } })
      const a1 = sampleRequirement(runA, uid('req'), { toolCall: call(toolOne), createdAt: T + 10 })
      const a2 = sampleRequirement(runA, uid('req'), {
        toolCall: call(toolTwo),
        request: { source: { type: 'team', id: team, name: 'Finance desk' } },
        createdAt: T + 20,
      })
      const notAnApproval = sampleRequirement(runA, uid('req'), {
        kind: 'user_input',
        toolCall: call(toolOne),
        createdAt: T + 20,
      })
      const b1 = sampleRequirement(runB, uid('req'), { toolCall: call(toolOne), createdAt: T + 30 })
      const recordA = await pause(
        store,
        pausedRecord(runA, { agentId: agentA, userId, sessionId: sessionA }),
        [a1, a2, notAnApproval],
      )
      const recordB = await pause(
        store,
        pausedRecord(runB, { agentId: agentB, userId, sessionId: sessionB }),
        [b1],
      )
      const resolvedA1 = await run(store.resolveRequirement(runA, a1.id, sampleResolution('grace')))
      const r1 = sampleApproval(runA, uid('approval'), {
        userId,
        sessionId: sessionA,
        source: { type: 'agent', id: agentA, name: agentA },
        toolName: toolTwo,
        createdAt: T + 40,
        runStatus: 'paused',
      })
      const g1 = sampleApproval(runB, uid('approval'), {
        userId,
        sessionId: sessionB,
        source: { type: 'agent', id: agentB, name: agentB },
        toolName: toolOne,
        grantId,
        createdAt: T + 50,
        runStatus: 'paused',
      })
      const x1 = sampleApproval(runB, uid('approval'), {
        userId: otherUser,
        sessionId: sessionX,
        source: { type: 'agent', id: agentB, name: agentB },
        toolName: toolTwo,
        status: 'rejected',
        createdAt: T + 60,
        runStatus: 'paused',
      })
      for (const approval of [g1, x1, r1]) await run(store.recordApproval(approval))

      // All of the user's, whole, newest first.
      const everything = await run(store.listApprovals(query({ userId })))
      expect(encodeApprovals(everything.approvals)).toStrictEqual(
        encodeApprovals([
          g1,
          r1,
          Approval.fromRequirement(b1, recordB),
          Approval.fromRequirement(a2, recordA),
          Approval.fromRequirement(resolvedA1, recordA),
        ]),
      )
      expect(everything.total).toBe(5)

      const cases: ReadonlyArray<readonly [Approval.ApprovalFilter, ReadonlyArray<string>]> = [
        [{ userId: otherUser }, [x1.id]],
        [{ userId, status: 'approved' }, [g1.id, r1.id, a1.id]],
        [{ userId, status: 'pending' }, [b1.id, a2.id]],
        [{ userId, status: 'rejected' }, []],
        [{ userId, type: 'audit' }, [g1.id, r1.id]],
        [{ userId, type: 'required' }, [b1.id, a2.id, a1.id]],
        [{ sourceId: agentA }, [r1.id, a1.id]],
        [{ sourceId: agentB }, [x1.id, g1.id, b1.id]],
        [{ sourceId: team }, [a2.id]],
        [{ toolName: toolOne }, [g1.id, b1.id, a1.id]],
        [{ toolName: toolTwo }, [x1.id, r1.id, a2.id]],
        [{ runId: runA }, [r1.id, a2.id, a1.id]],
        [{ runId: runB }, [x1.id, g1.id, b1.id]],
        [{ sessionId: sessionB }, [g1.id, b1.id]],
        [{ sessionId: sessionX }, [x1.id]],
        [{ grantId }, [g1.id]],
        [{ userId, createdFrom: T + 20 }, [g1.id, r1.id, b1.id, a2.id]],
        [{ userId, createdTo: T + 40 }, [b1.id, a2.id, a1.id]],
        [{ userId, createdFrom: T + 20, createdTo: T + 50 }, [r1.id, b1.id, a2.id]],
        [{ runId: runA, status: 'pending' }, [a2.id]],
        [{ sourceId: agentB, toolName: toolOne, type: 'required' }, [b1.id]],
        [{ runId: runB, toolName: toolTwo, status: 'rejected', sessionId: sessionX }, [x1.id]],
        [{ runId: runA, grantId }, []],
      ]
      for (const [filter, ids] of cases) {
        const page = await run(store.listApprovals(query(filter)))
        expect({ filter, ids: idsOf(page.approvals), total: page.total }).toStrictEqual({
          filter,
          ids,
          total: ids.length,
        })
        expect({ filter, count: await run(store.countApprovals(filter)) }).toStrictEqual({
          filter,
          count: ids.length,
        })
      }
    })

    test('approvals list newest first, those created at the same time by id', async (store) => {
      const runId = uid('run')
      const base = uid('approval')
      const at = (suffix: string, createdAt: number) =>
        sampleRequirement(runId, `${base}-${suffix}`, { createdAt: T0 + createdAt })
      // Raised and recorded approvals interleave: the order is one order over both.
      const raised = [at('c', 10), at('e', 5), at('a', 10)]
      await pause(store, pausedRecord(runId), raised)
      for (const [suffix, createdAt] of [
        ['b', 10],
        ['d', 20],
      ] as const)
        await run(
          store.recordApproval(
            sampleApproval(runId, `${base}-${suffix}`, { createdAt: T0 + createdAt, runStatus: 'paused' }),
          ),
        )

      const listed = await run(store.listApprovals(query({ runId })))

      expect(idsOf(listed.approvals)).toStrictEqual(['d', 'a', 'b', 'c', 'e'].map((s) => `${base}-${s}`))
      expect(listed.total).toBe(5)
    })

    test('offset and limit page through the listing, and the total counts every match', async (store) => {
      const runId = uid('run')
      const base = uid('approval')
      // In listing order; raised (r) or recorded (w), with ties in createdAt.
      const entries = [
        ['g', 4, 'w'],
        ['d', 3, 'r'],
        ['e', 3, 'w'],
        ['f', 3, 'r'],
        ['b', 2, 'w'],
        ['c', 2, 'r'],
        ['a', 1, 'r'],
      ] as const
      const id = (suffix: string) => `${base}-${suffix}`
      const raised = entries
        .filter(([, , how]) => how === 'r')
        .reverse()
        .map(([suffix, at]) => sampleRequirement(runId, id(suffix), { createdAt: T0 + at }))
      await pause(store, pausedRecord(runId), raised)
      for (const [suffix, at] of entries.filter(([, , how]) => how === 'w'))
        await run(
          store.recordApproval(
            sampleApproval(runId, id(suffix), { createdAt: T0 + at, runStatus: 'paused' }),
          ),
        )
      const expected = entries.map(([suffix]) => id(suffix))

      // Without paging, a query lists from the first match, 50 at most.
      expect(query({ runId })).toStrictEqual({ runId, offset: 0, limit: 50 })
      const full = await run(store.listApprovals(query({ runId })))
      expect(idsOf(full.approvals)).toStrictEqual(expected)
      expect(full.total).toBe(7)

      const pages = []
      for (const offset of [0, 3, 6])
        pages.push(await run(store.listApprovals(query({ runId, offset, limit: 3 }))))
      expect(pages.map((page) => page.approvals.length)).toStrictEqual([3, 3, 1])
      expect(pages.map((page) => page.total)).toStrictEqual([7, 7, 7])
      const paged = pages.flatMap((page) => idsOf(page.approvals))
      expect(new Set(paged).size).toBe(7)
      expect(paged).toStrictEqual(expected)
      expect(encodeApprovals(pages.flatMap((page) => page.approvals))).toStrictEqual(
        encodeApprovals(full.approvals),
      )

      const middle = await run(store.listApprovals(query({ runId, offset: 2, limit: 4 })))
      expect({ ids: idsOf(middle.approvals), total: middle.total }).toStrictEqual({
        ids: expected.slice(2, 6),
        total: 7,
      })
      const beyond = await run(store.listApprovals(query({ runId, offset: 7, limit: 3 })))
      expect({ ids: idsOf(beyond.approvals), total: beyond.total }).toStrictEqual({ ids: [], total: 7 })
      expect([full, ...pages, middle, beyond].every((page) => page.totalExact)).toBe(true)
      expect(await run(store.countApprovals({ runId }))).toBe(7)
    })

    test(
      "the total counts to a bound set by the page: past it the total is the bound, marked inexact; a deep page counts past itself; another user's approvals never count",
      async (store) => {
        const runId = uid('run')
        const other = uid('user')
        const ids = Array.from({ length: pastFirstCountLimit }, () => uid('approval'))
        await run(store.createRun(sampleRun(runId)))
        await run(
          Effect.forEach(
            ids,
            (id, index) => store.recordApproval(sampleApproval(runId, id, { createdAt: T0 + index })),
            { concurrency: 8, discard: true },
          ),
        )
        // Of the same run and newer, but another user's: counted under a user only for that user.
        const othersIds = [uid('approval'), uid('approval')]
        for (const [index, id] of othersIds.entries())
          await run(
            store.recordApproval(
              sampleApproval(runId, id, { userId: other, createdAt: T0 + ids.length + index }),
            ),
          )
        const newestFirst = ids.toReversed()
        const listed = async (
          fields: Approval.ApprovalFilter & { readonly offset?: number; readonly limit?: number },
        ) => {
          const page = await run(store.listApprovals(query({ userId: 'user-ada', ...fields })))
          return { ids: idsOf(page.approvals), total: page.total, totalExact: page.totalExact }
        }

        await expectTotalsCountedToTheLimit(listed, newestFirst)
        expect(await listed({ userId: other })).toStrictEqual({
          ids: othersIds.toReversed(),
          total: othersIds.length,
          totalExact: true,
        })
        // The exact count stays exact.
        expect(await run(store.countApprovals({ runId }))).toBe(ids.length + othersIds.length)
      },
      fillingPastCountLimit,
    )
    test('a listing at the largest offset the query takes answers an empty page, its total exact', async (store) => {
      const runId = uid('run')
      await run(store.createRun(sampleRun(runId)))
      for (const index of [1, 2])
        await run(store.recordApproval(sampleApproval(runId, uid('approval'), { createdAt: T0 + index })))
      const deepest = Approval.ApprovalQuery.make({
        runId,
        offset: Number.MAX_SAFE_INTEGER,
        limit: Approval.maxPageSize,
      })
      expect(await run(store.listApprovals(deepest))).toStrictEqual({
        approvals: [],
        total: 2,
        totalExact: true,
      })
    })
  })

  describe('expiry', () => {
    test('listExpired lists the pending requirements of paused runs whose deadline has come, of any kind', async (store) => {
      const [runId, cancelledRun, completedRun] = [uid('run'), uid('run'), uid('run')]
      // Deadlines of their own: other tests' lie elsewhere.
      const D = T0 + 2_000
      const due = (id: string, expiresAt: number, changes: Partial<RequirementRecord> = {}) =>
        sampleRequirement(runId, id, { expiresAt, onExpire: 'reject', ...changes })
      const overdue = due(uid('req'), D - 10)
      const form = due(uid('req'), D - 5, { kind: 'user_input', request: { fields: [] }, onExpire: 'cancel' })
      const atNow = due(uid('req'), D)
      const later = due(uid('req'), D + 1)
      const { expiresAt: _e, onExpire: _o, ...rest } = due(uid('req'), 0)
      const undated = new RequirementRecord(rest)
      const decided = due(uid('req'), D - 20)
      const lapsed = due(uid('req'), D - 15)
      await pause(store, pausedRecord(runId), [later, atNow, undated, decided, form, lapsed, overdue])
      await run(store.resolveRequirement(runId, decided.id, sampleResolution('grace')))
      await run(store.resolveRequirement(runId, lapsed.id, lapse('expired')))
      // Runs no longer paused: nothing of theirs is swept.
      const ofCancelled = sampleRequirement(cancelledRun, uid('req'), { expiresAt: D - 30 })
      await end(store, await pause(store, pausedRecord(cancelledRun), [ofCancelled]), 'cancelled')
      const ofCompleted = sampleRequirement(completedRun, uid('req'), { expiresAt: D - 25 })
      await end(store, await pause(store, pausedRecord(completedRun), [ofCompleted]), 'completed')

      const expired = await run(store.listExpired(D, 1_000))

      const ours = new Set([runId, cancelledRun, completedRun])
      expect(encodeRequirements(expired.filter((requirement) => ours.has(requirement.runId)))).toStrictEqual(
        encodeRequirements([overdue, form, atNow]),
      )
      for (const requirement of expired) {
        expect(requirement.status).toBe('pending')
        expect(requirement.expiresAt).toBeLessThanOrEqual(D)
      }
      expect(
        (await run(store.listExpired(D - 6, 1_000))).filter((requirement) => ours.has(requirement.runId)),
      ).toHaveLength(1)
    })

    test('listExpired gives the earliest deadlines first, at most limit', async (store) => {
      const [runA, runB] = [uid('run'), uid('run')]
      // The earliest deadlines of the suite, so that in a shared store this test sees few others.
      const D = T0 + 1_000
      const dueAt = (runId: string, expiresAt: number) =>
        sampleRequirement(runId, uid('req'), { expiresAt, onExpire: 'reject' })
      const [third, first, second] = [dueAt(runA, D - 1), dueAt(runA, D - 3), dueAt(runA, D - 2)]
      const earliest = dueAt(runB, D - 4)
      await pause(store, pausedRecord(runA), [third, first, second])
      await pause(store, pausedRecord(runB), [earliest])

      const all = await run(store.listExpired(D, 1_000))

      const ours = new Set([runA, runB])
      expect(idsOf(all.filter((requirement) => ours.has(requirement.runId)))).toStrictEqual(
        idsOf([earliest, first, second, third]),
      )
      const deadlines = all.map((requirement) => requirement.expiresAt!)
      expect(deadlines).toStrictEqual([...deadlines].sort((a, b) => a - b))
      for (const limit of [1, 2, 3]) {
        const limited = await run(store.listExpired(D, limit))
        // Ties (possible only with other tests' data) may come in any order: compare deadlines.
        expect({ limit, deadlines: limited.map((requirement) => requirement.expiresAt) }).toStrictEqual({
          limit,
          deadlines: deadlines.slice(0, limit),
        })
        const listed = new Set(idsOf(all))
        expect(limited.every((requirement) => listed.has(requirement.id))).toBe(true)
      }
    })
  })

  describe('grants', () => {
    test('getGrant returns what createGrant stored, optional fields present or absent', async (store) => {
      const sessionId = uid('session')
      const full = sampleGrant(sessionId, uid('grant'), {
        args: awkwardJson,
        revocation: revocationBy('heidi', T0 + 50, 'given by mistake'),
      })
      const {
        args: _a,
        note: _n,
        approvalId: _p,
        ...required
      } = sampleGrant(sessionId, uid('grant'), { scope: 'once' })
      const minimal = new Grant(required)
      const active = sampleGrant(sessionId, uid('grant'))

      for (const grant of [full, minimal, active]) await run(store.createGrant(grant))

      for (const grant of [full, minimal, active])
        expect(encodeGrant(someValue(await run(store.getGrant(grant.id))))).toStrictEqual(encodeGrant(grant))
      expect(Option.isNone(await run(store.getGrant(uid('grant'))))).toBe(true)
    })

    test('a grant or approval its Schema refuses fails the write with a StoreError, and nothing of the write is stored', async (store) => {
      // Made without their checks, as a caller with a bug could: uses are whole, ids are not empty.
      const sessionId = uid('session')
      const broken = new Grant({ ...sampleGrant(sessionId, uid('grant')), uses: 0.5 }, true)
      const grant = sampleGrant(sessionId, uid('grant'), { scope: 'once' })
      await run(store.createGrant(grant))
      const runId = await runFor(store, grant)
      const refusedUse = new ApprovalRecord({ ...useOf(grant, runId, uid('approval')), id: '' }, true)
      const refusedAudit = new ApprovalRecord({ ...sampleApproval(runId, uid('approval')), runId: '' }, true)
      const changesBefore = await run(store.lastApprovalChangeSeq())

      const failures = [
        await failureOf(store.createGrant(broken)),
        await failureOf(store.useGrant(grant.id, refusedUse)),
        await failureOf(store.recordApproval(refusedAudit)),
      ]

      expect(failures.map((error) => error._tag)).toStrictEqual(['StoreError', 'StoreError', 'StoreError'])
      expect(Option.isNone(await run(store.getGrant(broken.id)))).toBe(true)
      // The refused use took nothing of the once-only grant, and journaled no change.
      expect(encodeGrant(someValue(await run(store.getGrant(grant.id))))).toStrictEqual(encodeGrant(grant))
      for (const refused of [refusedUse, refusedAudit])
        expect(Option.isNone(await run(store.getApproval(refused.id)))).toBe(true)
      expect(await run(store.lastApprovalChangeSeq())).toBe(changesBefore)
    })

    test('listGrants narrows by session, source, tool and status, newest first then by id', async (store) => {
      const [sessionA, sessionB] = [uid('session'), uid('session')]
      const [sourceX, sourceY] = [uid('agent'), uid('agent')]
      const [toolA, toolB] = [uid('tool'), uid('tool')]
      const base = uid('grant')
      const grant = (suffix: string, sessionId: string, changes: Partial<Grant>) =>
        sampleGrant(sessionId, `${base}-${suffix}`, changes)
      const g1 = grant('e', sessionA, { sourceId: sourceX, toolName: toolA, grantedAt: T0 + 10 })
      const g2 = grant('a', sessionA, {
        sourceId: sourceY,
        toolName: toolA,
        grantedAt: T0 + 30,
        scope: 'once',
      })
      const g3 = grant('d', sessionA, { sourceId: sourceX, toolName: toolB, grantedAt: T0 + 20 })
      const g4 = grant('c', sessionA, {
        sourceId: sourceX,
        toolName: toolA,
        grantedAt: T0 + 20,
        scope: 'once',
      })
      const g5 = grant('b', sessionB, { sourceId: sourceX, toolName: toolB, grantedAt: T0 + 40 })
      for (const each of [g1, g2, g3, g4, g5]) await run(store.createGrant(each))
      await run(store.useGrant(g2.id, useOf(g2, await runFor(store, g2), uid('approval'))))
      const revocation = revocationBy('heidi')
      await run(store.revokeGrant(g3.id, revocation))

      expect(encodeGrants(await run(store.listGrants({ sessionId: sessionA })))).toStrictEqual(
        encodeGrants([new Grant({ ...g2, uses: 1 }), g4, new Grant({ ...g3, revocation }), g1]),
      )
      const cases: ReadonlyArray<readonly [GrantFilter, ReadonlyArray<Grant>]> = [
        [{ sessionId: sessionA, status: 'active' }, [g4, g1]],
        [{ sessionId: sessionA, status: 'used' }, [g2]],
        [{ sessionId: sessionA, status: 'revoked' }, [g3]],
        [{ sessionId: sessionA, sourceId: sourceX }, [g4, g3, g1]],
        [{ sessionId: sessionA, toolName: toolB }, [g3]],
        [{ sessionId: sessionB }, [g5]],
        [{ sourceId: sourceX }, [g5, g4, g3, g1]],
        [{ toolName: toolA }, [g2, g4, g1]],
        [{ sourceId: sourceX, toolName: toolB, status: 'active' }, [g5]],
        [{ sourceId: sourceY, toolName: toolB }, []],
      ]
      for (const [filter, expected] of cases)
        expect({ filter, ids: idsOf(await run(store.listGrants(filter))) }).toStrictEqual({
          filter,
          ids: idsOf(expected),
        })
    })

    test('revokeGrant revokes an active grant once: again is GrantInactive, an unknown one GrantNotFound', async (store) => {
      const sessionId = uid('session')
      const [grant, other] = [sampleGrant(sessionId, uid('grant')), sampleGrant(sessionId, uid('grant'))]
      await run(store.createGrant(grant))
      await run(store.createGrant(other))
      const revocation = revocationBy('heidi', T0 + 200, 'order closed')
      const revoked = new Grant({ ...grant, revocation })

      const returned = await run(store.revokeGrant(grant.id, revocation))

      expect(encodeGrant(returned)).toStrictEqual(encodeGrant(revoked))
      expect(grantStatus(returned)).toBe('revoked')
      expect(encodeGrant(someValue(await run(store.getGrant(grant.id))))).toStrictEqual(encodeGrant(revoked))

      const again = await failureOf(store.revokeGrant(grant.id, revocationBy('ivan', T0 + 300, 'again')))
      expect(again).toMatchObject({ _tag: 'GrantInactive', grantId: grant.id, status: 'revoked' })
      expect(encodeGrant(someValue(await run(store.getGrant(grant.id))))).toStrictEqual(encodeGrant(revoked))

      // A revocation without a note.
      const plain = await run(store.revokeGrant(other.id, revocationBy('heidi')))
      expect(encodeGrant(plain)).toStrictEqual(
        encodeGrant(new Grant({ ...other, revocation: revocationBy('heidi') })),
      )
      expect(encodeGrant(someValue(await run(store.getGrant(other.id))))).toStrictEqual(encodeGrant(plain))

      const unknownId = uid('grant')
      const unknown = await failureOf(store.revokeGrant(unknownId, revocation))
      expect(unknown).toMatchObject({ _tag: 'GrantNotFound', grantId: unknownId })
      expect(Option.isNone(await run(store.getGrant(unknownId)))).toBe(true)
    })

    test('a session grant is used again and again: each use counted and its approval recorded', async (store) => {
      const grant = sampleGrant(uid('session'), uid('grant'))
      await run(store.createGrant(grant))
      const runId = await runFor(store, grant)
      const uses = [1, 2, 3].map((n) => useOf(grant, runId, uid('approval'), { createdAt: T0 + 100 + n }))

      for (const [index, approval] of uses.entries()) {
        const returned = await run(store.useGrant(grant.id, approval))
        expect(encodeGrant(returned)).toStrictEqual(encodeGrant(new Grant({ ...grant, uses: index + 1 })))
        expect(grantStatus(returned)).toBe('active')
      }

      expect(encodeGrant(someValue(await run(store.getGrant(grant.id))))).toStrictEqual(
        encodeGrant(new Grant({ ...grant, uses: 3 })),
      )
      const listed = await run(store.listApprovals(query({ grantId: grant.id })))
      expect(encodeApprovals(listed.approvals)).toStrictEqual(encodeApprovals([...uses].reverse()))
      expect(listed.total).toBe(3)
      expect(await run(store.countApprovals({ grantId: grant.id }))).toBe(3)
      expect(encodeApproval(someValue(await run(store.getApproval(uses[0]!.id))))).toStrictEqual(
        encodeApproval(uses[0]!),
      )
    })

    test('a once grant is used once: then it is used, and using or revoking it is GrantInactive', async (store) => {
      const grant = sampleGrant(uid('session'), uid('grant'), { scope: 'once' })
      await run(store.createGrant(grant))
      const runId = await runFor(store, grant)
      const [first, second] = [useOf(grant, runId, uid('approval')), useOf(grant, runId, uid('approval'))]
      const used = new Grant({ ...grant, uses: 1 })

      const returned = await run(store.useGrant(grant.id, first))

      expect(encodeGrant(returned)).toStrictEqual(encodeGrant(used))
      expect(grantStatus(returned)).toBe('used')
      const again = await failureOf(store.useGrant(grant.id, second))
      expect(again).toMatchObject({ _tag: 'GrantInactive', grantId: grant.id, status: 'used' })
      const revoke = await failureOf(store.revokeGrant(grant.id, revocationBy('heidi')))
      expect(revoke).toMatchObject({ _tag: 'GrantInactive', grantId: grant.id, status: 'used' })
      expect(encodeGrant(someValue(await run(store.getGrant(grant.id))))).toStrictEqual(encodeGrant(used))
      expect(Option.isNone(await run(store.getApproval(second.id)))).toBe(true)
      expect(idsOf((await run(store.listApprovals(query({ grantId: grant.id })))).approvals)).toStrictEqual([
        first.id,
      ])
    })

    test('using a revoked or unknown grant fails and records nothing', async (store) => {
      const grant = sampleGrant(uid('session'), uid('grant'))
      await run(store.createGrant(grant))
      const revocation = revocationBy('heidi')
      await run(store.revokeGrant(grant.id, revocation))
      const runId = await runFor(store, grant)
      const [ofRevoked, ofUnknown] = [
        useOf(grant, runId, uid('approval')),
        useOf(grant, runId, uid('approval')),
      ]
      const unknownId = uid('grant')

      const revoked = await failureOf(store.useGrant(grant.id, ofRevoked))
      const unknown = await failureOf(
        store.useGrant(unknownId, new ApprovalRecord({ ...ofUnknown, grantId: unknownId })),
      )

      expect(revoked).toMatchObject({ _tag: 'GrantInactive', grantId: grant.id, status: 'revoked' })
      expect(unknown).toMatchObject({ _tag: 'GrantNotFound', grantId: unknownId })
      expect(encodeGrant(someValue(await run(store.getGrant(grant.id))))).toStrictEqual(
        encodeGrant(new Grant({ ...grant, revocation })),
      )
      expect(Option.isNone(await run(store.getApproval(ofRevoked.id)))).toBe(true)
      expect(Option.isNone(await run(store.getApproval(ofUnknown.id)))).toBe(true)
      expect(await run(store.countApprovals({ runId }))).toBe(0)
    })
  })

  describe('concurrency', () => {
    test('of 50 concurrent revocations of a grant exactly one wins, and its revocation is kept', async (store) => {
      const grant = sampleGrant(uid('session'), uid('grant'))
      await run(store.createGrant(grant))
      const revocations = Array.from({ length: 50 }, (_, i) =>
        revocationBy(`approver-${i}`, T0 + 200 + i, `revocation ${i}`),
      )

      const { winners, losers } = await race(
        revocations.map((revocation) => store.revokeGrant(grant.id, revocation)),
      )

      expect(winners).toHaveLength(1)
      expect(
        losers.map((error) => [error._tag, error._tag === 'GrantInactive' && error.status]),
      ).toStrictEqual(Array(49).fill(['GrantInactive', 'revoked']))
      const stored = someValue(await run(store.getGrant(grant.id)))
      expect(encodeGrant(stored)).toStrictEqual(encodeGrant(winners[0]!))
      expect(revocations.map(({ note }) => note)).toContain(stored.revocation?.note)
    })

    test('of 50 concurrent uses of a once grant exactly one wins, and only its approval is recorded', async (store) => {
      const grant = sampleGrant(uid('session'), uid('grant'), { scope: 'once' })
      await run(store.createGrant(grant))
      const runId = await runFor(store, grant)
      const uses = Array.from({ length: 50 }, () => useOf(grant, runId, uid('approval')))

      const { winners, losers } = await race(
        uses.map((approval, index) => Effect.as(store.useGrant(grant.id, approval), index)),
      )

      expect(winners).toHaveLength(1)
      expect(
        losers.map((error) => [error._tag, error._tag === 'GrantInactive' && error.status]),
      ).toStrictEqual(Array(49).fill(['GrantInactive', 'used']))
      const winner = uses[winners[0]!]!
      expect(encodeGrant(someValue(await run(store.getGrant(grant.id))))).toStrictEqual(
        encodeGrant(new Grant({ ...grant, uses: 1 })),
      )
      const recorded = await run(store.listApprovals(query({ runId })))
      expect(encodeApprovals(recorded.approvals)).toStrictEqual(encodeApprovals([winner]))
      expect(await run(store.countApprovals({ grantId: grant.id }))).toBe(1)
    })

    test('50 concurrent uses of a session grant all succeed, and every one is counted and recorded', async (store) => {
      const grant = sampleGrant(uid('session'), uid('grant'))
      await run(store.createGrant(grant))
      const runId = await runFor(store, grant)
      const uses = Array.from({ length: 50 }, () => useOf(grant, runId, uid('approval')))

      const { winners, losers } = await race(uses.map((approval) => store.useGrant(grant.id, approval)))

      expect(losers).toStrictEqual([])
      expect(winners).toHaveLength(50)
      expect(someValue(await run(store.getGrant(grant.id))).uses).toBe(50)
      const recorded = await run(store.listApprovals(query({ grantId: grant.id, limit: 100 })))
      expect(new Set(idsOf(recorded.approvals))).toStrictEqual(new Set(idsOf(uses)))
      expect(recorded.total).toBe(50)
    })

    test('of uses and revocations of a once grant racing, exactly one wins', async (store) => {
      const grant = sampleGrant(uid('session'), uid('grant'), { scope: 'once' })
      await run(store.createGrant(grant))
      const runId = await runFor(store, grant)
      const uses = Array.from({ length: 25 }, () => useOf(grant, runId, uid('approval')))
      const revocations = Array.from({ length: 25 }, (_, i) => revocationBy(`approver-${i}`, T0 + 200 + i))
      type Won = { readonly use: ApprovalRecord } | { readonly revocation: Revocation }
      const contenders = uses.flatMap((approval, i) => [
        Effect.map(store.useGrant(grant.id, approval), (): Won => ({ use: approval })),
        Effect.map(store.revokeGrant(grant.id, revocations[i]!), (): Won => ({
          revocation: revocations[i]!,
        })),
      ])

      const { winners, losers } = await race(contenders)

      expect(winners).toHaveLength(1)
      const won = winners[0]!
      const expected =
        'use' in won ? new Grant({ ...grant, uses: 1 }) : new Grant({ ...grant, revocation: won.revocation })
      const stored = someValue(await run(store.getGrant(grant.id)))
      expect(encodeGrant(stored)).toStrictEqual(encodeGrant(expected))
      expect(
        losers.map((error) => [error._tag, error._tag === 'GrantInactive' && error.status]),
      ).toStrictEqual(Array(49).fill(['GrantInactive', grantStatus(expected)]))
      const recorded = await run(store.listApprovals(query({ runId })))
      expect(idsOf(recorded.approvals)).toStrictEqual('use' in won ? [won.use.id] : [])
    })

    test('of 50 concurrent resolutions exactly one wins, its resolution is kept and its approval shows it (invariant 2)', async (store) => {
      const runId = uid('run')
      const requirement = sampleRequirement(runId, uid('req'))
      const record = await pause(store, pausedRecord(runId), [requirement])
      const resolutions = Array.from({ length: 50 }, (_, i) =>
        sampleResolution(`approver-${i}`, { approved: i % 2 === 0, note: `decision ${i}` }, T0 + 100 + i),
      )

      const { winners, losers } = await race(
        resolutions.map((resolution) => store.resolveRequirement(runId, requirement.id, resolution)),
      )

      expect(winners).toHaveLength(1)
      expect(losers.map((error) => error._tag)).toStrictEqual(Array(49).fill('RequirementAlreadyResolved'))
      const won = winners[0]!.resolution!
      const i = resolutions.findIndex((resolution) => resolution.resolvedBy.id === won.resolvedBy.id)
      const stored = someValue(await run(store.getRequirement(runId, requirement.id)))
      expect(encodeRequirement(stored)).toStrictEqual(encodeRequirement(winners[0]!))
      expect(stored.status).toBe('resolved')
      const approval = someValue(await run(store.getApproval(requirement.id)))
      expect(encodeApproval(approval)).toStrictEqual(
        encodeApproval(Approval.fromRequirement(winners[0]!, record)),
      )
      expect([approval.status, approval.resolvedBy?.id, approval.note, approval.resolvedAt]).toStrictEqual([
        i % 2 === 0 ? 'approved' : 'rejected',
        `approver-${i}`,
        `decision ${i}`,
        T0 + 100 + i,
      ])
      expect(await run(store.countApprovals({ runId, status: approval.status }))).toBe(1)
      expect(await run(store.countApprovals({ runId, status: 'pending' }))).toBe(0)
    })

    test('of 50 concurrent writes of one approval id exactly one is kept, whole', async (store) => {
      const runId = uid('run')
      await run(store.createRun(sampleRun(runId)))
      const id = uid('approval')
      const writes = Array.from({ length: 50 }, (_, i) =>
        sampleApproval(runId, id, {
          note: `write ${i}`,
          toolArgs: { orderId: i },
          outcome: { status: 'completed', result: { write: i } },
        }),
      )

      const { winners } = await race(writes.map((approval) => store.recordApproval(approval)))

      expect(winners).toHaveLength(50)
      const listed = await run(store.listApprovals(query({ runId })))
      expect(listed.total).toBe(1)
      const stored = encodeApproval(someValue(await run(store.getApproval(id))))
      expect(writes.map((approval) => encodeApproval(approval))).toContainEqual(stored)
      expect(encodeApprovals(listed.approvals)).toStrictEqual([stored])
    })
  })

  describe('stored approvals and grants are copies', () => {
    // Expectations are deep snapshots: encoding passes JSON payloads through by reference.
    test('changing an approval after writing or reading it leaves the stored one intact', async (store) => {
      const runId = uid('run')
      const requirement = sampleRequirement(runId, uid('req'))
      const record = await pause(store, pausedRecord(runId), [requirement])
      const grant = sampleGrant(record.sessionId!, uid('grant'))
      await run(store.createGrant(grant))
      const written = sampleApproval(runId, uid('approval'), { runStatus: 'paused', createdAt: T0 + 30 })
      const use = useOf(grant, runId, uid('approval'), { runStatus: 'paused', createdAt: T0 + 20 })
      const expected = structuredClone(
        encodeApprovals([written, use, Approval.fromRequirement(requirement, record)]),
      )
      await run(store.recordApproval(written))
      await run(store.useGrant(grant.id, use))
      for (const approval of [written, use]) tamperWithApproval(approval)

      for (const id of [written.id, use.id, requirement.id])
        tamperWithApproval(someValue(await run(store.getApproval(id))))
      for (const approval of (await run(store.listApprovals(query({ runId })))).approvals)
        tamperWithApproval(approval)

      expect(encodeApprovals((await run(store.listApprovals(query({ runId })))).approvals)).toStrictEqual(
        expected,
      )
    })

    test('changing a grant after writing or reading it leaves the stored one intact', async (store) => {
      const sessionId = uid('session')
      const grant = sampleGrant(sessionId, uid('grant'))
      const revocation = revocationBy('heidi', T0 + 200, 'order closed')
      const expected = structuredClone(encodeGrant(new Grant({ ...grant, uses: 1, revocation })))
      await run(store.createGrant(grant))
      tamperWithGrant(grant)
      tamperWithGrant(someValue(await run(store.getGrant(grant.id))))
      for (const listed of await run(store.listGrants({ sessionId }))) tamperWithGrant(listed)
      const runId = await runFor(store, grant)
      tamperWithGrant(
        await run(store.useGrant(grant.id, useOf(sampleGrant(sessionId, grant.id), runId, uid('approval')))),
      )
      const revoked = await run(store.revokeGrant(grant.id, revocation))
      ;(revocation.revokedBy.roles as Array<string>).push('admin')
      asMutable(revocation)['note'] = 'changed'
      tamperWithGrant(revoked)

      expect(encodeGrant(someValue(await run(store.getGrant(grant.id))))).toStrictEqual(expected)
    })
  })
}

const tamperWithApproval = (approval: ApprovalRecord) => {
  asMutable(approval.toolArgs)['amount'] = 0
  ;(approval.requestedBy.roles as Array<string>).push('admin')
  ;(approval.resolvedBy?.roles as Array<string> | undefined)?.push('admin')
  if (typeof approval.resolutionData === 'object' && approval.resolutionData !== null)
    asMutable(approval.resolutionData)['tampered'] = true
  if (approval.outcome?.result !== undefined) asMutable(approval.outcome.result)['tampered'] = true
  asMutable(approval.source)['name'] = 'tampered'
  asMutable(approval)['note'] = 'tampered'
}

const tamperWithGrant = (grant: Grant) => {
  if (grant.args !== undefined) asMutable(grant.args)['currency'] = 'USD'
  ;(grant.grantedBy.roles as Array<string>).push('admin')
  if (grant.revocation !== undefined) (grant.revocation.revokedBy.roles as Array<string>).push('admin')
  asMutable(grant)['note'] = 'tampered'
}
