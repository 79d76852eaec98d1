import {
  ApprovalRecord,
  Grant,
  type RequirementRecord,
  type RunRecord,
  type RunStore,
} from '@countersign/core'
import {
  batchOf,
  failureOf,
  samplePrincipal,
  sampleRequirement,
  sampleResolution,
  sampleRun,
} from '@countersign/core/testing'
import Database from 'better-sqlite3'
import { Effect, Either, Option } from 'effect'
import { afterEach, describe, expect, it } from 'vitest'
import { SqliteStore } from '../src/index.js'
import { tempDatabase } from './tempDatabase.js'

/*
 * What the conformance suite cannot see of approvals and grants in SQLite: the columns beside
 * the documents, the run status read through the runs table, transactions rolled back whole, and
 * two connections to one file.
 */

const T0 = 1_767_225_600_000
const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup()
})

const database = () => {
  const file = tempDatabase()
  cleanups.push(file.remove)
  return file.path
}

const open = (path: string) => {
  const store = SqliteStore.make({ path })
  cleanups.push(store.close)
  return store
}

const raw = (path: string) => {
  const db = new Database(path)
  cleanups.push(() => db.close())
  return db
}

/** A run created, then stopped by one commit as `record` says, raising `requirements`. */
const stopped = async (
  store: RunStore,
  record: RunRecord,
  requirements: ReadonlyArray<RequirementRecord> = [],
  create = true,
) => {
  if (create) await run(store.createRun(sampleRun(record.runId)))
  const event = { _tag: 'RunPaused', runId: record.runId, seq: record.lastSeq, at: T0, requirements } as const
  await run(store.commit(batchOf(record.runId, [event]), record, requirements))
}

const paused = (runId: string, requirements: ReadonlyArray<RequirementRecord>, lastSeq = 1) =>
  sampleRun(runId, { status: 'paused', lastSeq, pendingRequirementIds: requirements.map(({ id }) => id) })

const grant = (id: string, scope: 'once' | 'session') =>
  new Grant.Grant({
    id,
    scope,
    sessionId: 'session-1',
    sourceId: 'refund-agent',
    toolName: 'issue_refund',
    grantedBy: samplePrincipal('grace', ['finance']),
    grantedAt: T0,
    uses: 0,
  })

/** The audit of one call let through by `grantId`. */
const use = (id: string, grantId: string, changes: Partial<ApprovalRecord> = {}) =>
  new ApprovalRecord({
    id,
    type: 'audit',
    runId: 'run-granted',
    sessionId: 'session-1',
    source: { type: 'agent', id: 'refund-agent', name: 'Refunds' },
    toolName: 'issue_refund',
    toolCallId: `call-${id}`,
    toolArgs: { orderId: 1042 },
    requestedBy: samplePrincipal('user-ada'),
    status: 'approved',
    createdAt: T0 + 50,
    runStatus: 'running',
    grantId,
    outcome: { status: 'completed', result: { refundId: 'rf-1' } },
    ...changes,
  })

const statusOf = async (store: RunStore, approvalId: string) =>
  Option.getOrThrow(await run(store.getApproval(approvalId))).runStatus

describe('SqliteStore: approvals', () => {
  it("an approval reads with its run's status now, through the runs table, not the copy stored with it", async () => {
    const path = database()
    const store = open(path)
    const requirements = [
      sampleRequirement('run-a', 'run-a-approval'),
      sampleRequirement('run-a', 'run-a-confirmation', { kind: 'confirmation' }),
    ]
    await stopped(store, paused('run-a', requirements), requirements)
    await run(store.recordApproval(use('audit-of-run-a', 'grant-x', { runId: 'run-a' })))
    await run(store.recordApproval(use('audit-of-no-run', 'grant-x', { runId: 'run-gone' })))

    expect(await statusOf(store, 'run-a-approval')).toBe('paused')
    expect(await statusOf(store, 'audit-of-run-a')).toBe('paused')

    // The run's next stop: cancelled. Nothing is written to the approvals.
    await run(
      store.commit(
        batchOf('run-a', [{ _tag: 'RunCancelled', runId: 'run-a', seq: 2, at: T0 + 200 }]),
        sampleRun('run-a', { status: 'cancelled', lastSeq: 2 }),
        [],
      ),
    )

    const page = await run(store.listApprovals({ runId: 'run-a', offset: 0, limit: 10 }))
    expect(page.approvals.map(({ id, runStatus }) => `${id}: ${runStatus}`)).toStrictEqual([
      'audit-of-run-a: cancelled',
      'run-a-approval: cancelled',
    ])
    expect(page.total).toBe(2)
    expect(await statusOf(store, 'audit-of-no-run')).toBe('running')
    const stored = raw(path)
      .prepare(`SELECT id, status, json_extract(doc, '$.runStatus') AS runStatus FROM approvals ORDER BY id`)
      .all()
    expect(stored).toStrictEqual([
      { id: 'audit-of-no-run', status: 'approved', runStatus: 'running' },
      { id: 'audit-of-run-a', status: 'approved', runStatus: 'running' },
      { id: 'run-a-approval', status: 'pending', runStatus: 'paused' },
    ])
  })

  it("a decision updates the approval's row with its requirement's, in the same transaction", async () => {
    const path = database()
    const store = open(path)
    const requirements = [sampleRequirement('run-b', 'run-b-approval', { expiresAt: T0 + 500 })]
    await stopped(store, paused('run-b', requirements), requirements)
    const db = raw(path)
    const row = () =>
      db
        .prepare(
          `SELECT approvals.status, requirements.status AS requirement, requirements.expires_at AS expiresAt
           FROM approvals JOIN requirements USING (id) WHERE id = ?`,
        )
        .get('run-b-approval')
    expect(row()).toStrictEqual({ status: 'pending', requirement: 'pending', expiresAt: T0 + 500 })

    // A run row that no longer decodes fails the decision, and neither row changes.
    db.prepare(`UPDATE runs SET doc = json_remove(doc, '$.principal') WHERE run_id = ?`).run('run-b')
    const failed = await failureOf(
      store.resolveRequirement('run-b', 'run-b-approval', sampleResolution('grace', { approved: true })),
    )
    expect(failed).toMatchObject({ _tag: 'StoreError', operation: 'resolveRequirement' })
    expect(failed._tag === 'StoreError' && failed.reason).toContain('runs row "run-b" is corrupt')
    expect(row()).toStrictEqual({ status: 'pending', requirement: 'pending', expiresAt: T0 + 500 })

    db.prepare(`UPDATE runs SET doc = json_set(doc, '$.principal', json(?)) WHERE run_id = ?`).run(
      JSON.stringify({ id: 'user-ada', roles: ['user'] }),
      'run-b',
    )
    await run(
      store.resolveRequirement(
        'run-b',
        'run-b-approval',
        sampleResolution('grace', { approved: false, note: 'too much' }),
      ),
    )
    expect(row()).toStrictEqual({ status: 'rejected', requirement: 'resolved', expiresAt: T0 + 500 })
    expect(Option.getOrThrow(await run(store.getApproval('run-b-approval')))).toMatchObject({
      status: 'rejected',
      note: 'too much',
      resolvedBy: { id: 'grace' },
    })
  })

  it('a commit refused whole writes none of its approvals', async () => {
    const path = database()
    const store = open(path)
    const first = [sampleRequirement('run-c', 'run-c-1')]
    await stopped(store, paused('run-c', first), first)
    const again = [sampleRequirement('run-c', 'run-c-2'), first[0]!]

    const refused = await failureOf(
      store.commit(
        batchOf('run-c', [{ _tag: 'RunPaused', runId: 'run-c', seq: 2, at: T0, requirements: again }]),
        paused('run-c', again, 2),
        again,
      ),
    )

    expect(refused).toMatchObject({ _tag: 'StoreError', operation: 'commit' })
    expect(Option.isNone(await run(store.getApproval('run-c-2')))).toBe(true)
    expect(raw(path).prepare('SELECT id FROM approvals').pluck().all()).toStrictEqual(['run-c-1'])
  })
})

describe('SqliteStore: grants', () => {
  it('a use that fails to store changes nothing: not the grant, not the approvals', async () => {
    const path = database()
    const store = open(path)
    await run(store.createGrant(grant('grant-once', 'once')))
    const db = raw(path)
    const state = () => ({
      grant: db.prepare(`SELECT status, json_extract(doc, '$.uses') AS uses FROM grants`).get(),
      approvals: db.prepare('SELECT count(*) FROM approvals').pluck().get(),
    })
    const untouched = { grant: { status: 'active', uses: 0 }, approvals: 0 }

    // An approval JSON cannot hold fails its encoding, after the grant's update.
    const unstorable = new ApprovalRecord({ ...use('use-1', 'grant-once'), toolArgs: { amount: 10n } }, true)
    const encoding = await failureOf(store.useGrant('grant-once', unstorable))
    expect(encoding).toMatchObject({ _tag: 'StoreError', operation: 'useGrant' })
    expect(state()).toStrictEqual(untouched)

    // The database refuses the approval's row, after the grant's update.
    db.exec(`CREATE TRIGGER refuse BEFORE INSERT ON approvals BEGIN SELECT RAISE(ABORT, 'disk says no'); END`)
    const refused = await failureOf(store.useGrant('grant-once', use('use-1', 'grant-once')))
    expect(refused).toMatchObject({ _tag: 'StoreError', operation: 'useGrant' })
    expect(refused._tag === 'StoreError' && refused.reason).toContain('disk says no')
    expect(state()).toStrictEqual(untouched)
    db.exec('DROP TRIGGER refuse')

    const used = await run(store.useGrant('grant-once', use('use-1', 'grant-once')))
    expect([used.uses, Grant.statusOf(used)]).toStrictEqual([1, 'used'])
    const again = await failureOf(store.useGrant('grant-once', use('use-2', 'grant-once')))
    expect(again).toMatchObject({ _tag: 'GrantInactive', grantId: 'grant-once', status: 'used' })
    expect(state()).toStrictEqual({ grant: { status: 'used', uses: 1 }, approvals: 1 })
    expect(Option.isNone(await run(store.getApproval('use-2')))).toBe(true)
  })

  it('two stores on one file: the database picks the one use of a once grant and the one revocation', async () => {
    const path = database()
    const [a, b] = [open(path), open(path)]
    await run(a.createGrant(grant('grant-once', 'once')))
    await run(a.createGrant(grant('grant-session', 'session')))
    const revocation = { revokedBy: samplePrincipal('grace', ['finance']), revokedAt: T0 + 60 }

    const uses = await run(
      Effect.all(
        [a, b, a, b].map((store, index) =>
          Effect.either(store.useGrant('grant-once', use(`use-${index}`, 'grant-once'))),
        ),
        { concurrency: 'unbounded' },
      ),
    )
    const revokes = await run(
      Effect.all(
        [b, a].map((store) => Effect.either(store.revokeGrant('grant-session', revocation))),
        { concurrency: 'unbounded' },
      ),
    )

    expect(uses.filter(Either.isRight)).toHaveLength(1)
    expect(uses.filter(Either.isLeft).map(({ left }) => left)).toMatchObject([
      { _tag: 'GrantInactive', status: 'used' },
      { _tag: 'GrantInactive', status: 'used' },
      { _tag: 'GrantInactive', status: 'used' },
    ])
    expect(revokes.filter(Either.isRight)).toHaveLength(1)
    expect(revokes.filter(Either.isLeft).map(({ left }) => left)).toMatchObject([
      { _tag: 'GrantInactive', status: 'revoked' },
    ])
    expect(await run(b.countApprovals({ grantId: 'grant-once' }))).toBe(1)
    expect(Option.getOrThrow(await run(b.getGrant('grant-once'))).uses).toBe(1)
    expect((await run(a.listGrants({ status: 'revoked' }))).map(({ id }) => id)).toStrictEqual([
      'grant-session',
    ])
    const useOfRevoked = await failureOf(b.useGrant('grant-session', use('use-late', 'grant-session')))
    expect(useOfRevoked).toMatchObject({ _tag: 'GrantInactive', status: 'revoked' })
    expect(await failureOf(a.revokeGrant('grant-none', revocation))).toMatchObject({
      _tag: 'GrantNotFound',
      grantId: 'grant-none',
    })
  })
})
