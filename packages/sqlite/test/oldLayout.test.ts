import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Principal, Resolution } from '@countersign/core'
import { readStoredRun } from '@countersign/core/testing'
import Database from 'better-sqlite3'
import { Effect, Option } from 'effect'
import { afterEach, expect, it } from 'vitest'
import { SqliteStore } from '../src/index.js'
import { expectMailerResumes } from './fixtures/mailer.js'
import { tempDatabase } from './tempDatabase.js'

const readFixture = (name: string) =>
  readFileSync(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)), 'utf8')
const fixture = readFixture('v1-paused-run.sql')
const runId = /^-- runId (\S+)/.exec(fixture)![1]!

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup()
})

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)

/** A database file as an older version left it: the fixture's statements, run on a new file. */
const oldFile = (sql: string) => {
  const file = tempDatabase()
  cleanups.push(file.remove)
  const old = new Database(file.path)
  old.exec(sql)
  old.close()
  return file.path
}

it('a run paused by schema version 1 (a file it wrote) resumes on the current version and completes', async () => {
  const path = oldFile(fixture)

  const store = SqliteStore.make({ path })
  cleanups.push(store.close)
  await expectMailerResumes(store, runId)

  const db = new Database(path, { readonly: true })
  cleanups.push(() => db.close())
  expect(db.pragma('user_version', { simple: true })).toBe(SqliteStore.schemaVersion)
  // Numbering goes on from the old events: the 18 of version 1, then the resumed stretch's.
  const seqs = db.prepare('SELECT seq FROM events WHERE run_id = ? ORDER BY seq').pluck().all(runId)
  expect(seqs).toStrictEqual(Array.from({ length: seqs.length }, (_, index) => index + 1))
  expect(seqs.length).toBeGreaterThan(18)
})

// T0 of the fixture's records: the deadlines are T0 + 300 (the failed run's), + 400, + 500 and + 10_000_000.
const T0 = 1_767_225_600_000

it('runs paused by schema version 2 read the same on the current version, their approvals and deadlines indexed', async () => {
  const path = oldFile(readFixture('v2-paused-runs.sql'))
  // The rows version 2 wrote, which the upgrade must leave as they are.
  const rows = (db: Database.Database) =>
    ['runs', 'transcript', 'requirements', 'events'].map((table) =>
      db.prepare<[], Record<string, unknown>>(`SELECT * FROM ${table} ORDER BY 1, 2`).all(),
    )
  const before = new Database(path, { readonly: true })
  const rowsBefore = rows(before)
  before.close()

  const store = SqliteStore.make({ path })
  cleanups.push(store.close)

  const db = new Database(path, { readonly: true })
  cleanups.push(() => db.close())
  expect(db.pragma('user_version', { simple: true })).toBe(SqliteStore.schemaVersion)
  // The deadline column (version 3), the runs' creation time and parent (version 4) and last
  // stop's sequence number (version 6) are new; the rest is untouched.
  const [runsAfter, ...after] = rows(db)
  expect(runsAfter!.map(({ run_id, last_seq }) => [run_id, last_seq])).toStrictEqual(
    rowsBefore[0]!.map(({ run_id, doc }) => [
      run_id,
      (JSON.parse(String(doc)) as { lastSeq: number }).lastSeq,
    ]),
  )
  expect([
    runsAfter!.map(({ created_at: _c, parent_run_id: _p, last_seq: _l, ...row }) => row),
    ...after.map((table) => table.map(({ expires_at: _e, ...row }) => row)),
  ]).toStrictEqual(rowsBefore)
  expect(db.prepare('SELECT DISTINCT created_at, parent_run_id FROM runs').all()).toStrictEqual([
    { created_at: T0, parent_run_id: null },
  ])
  const listed = await run(store.listRuns({ userId: 'user-ada', offset: 0, limit: 20 }))
  expect(listed.runs.map(({ runId }) => runId).sort()).toStrictEqual(['run-failed', 'run-paused'])
  const paused = await run(readStoredRun(store, 'run-paused'))
  expect(paused.record.status).toBe('paused')
  expect(paused.requirements.map(({ id, status }) => `${id}: ${status}`)).toStrictEqual([
    'approval-expired: pending',
    'approval-decided: resolved',
    'confirmation-expired: pending',
    'approval-open: pending',
  ])

  // Deadlines come from the documents: the failed run's is not the sweeper's, nor is one to come.
  const expired = await run(store.listExpired(T0 + 1_000, 10))
  expect(expired.map(({ id }) => id)).toStrictEqual(['confirmation-expired', 'approval-expired'])

  // Requirements of kind approval became approvals, as of their decision and their run.
  const page = await run(store.listApprovals({ offset: 0, limit: 10 }))
  expect(page.total).toBe(4)
  expect(
    page.approvals.map(({ id, status, runStatus }) => `${id}: ${status}, run ${runStatus}`),
  ).toStrictEqual([
    'approval-of-failed: pending, run failed',
    'approval-open: pending, run paused',
    'approval-decided: rejected, run paused',
    'approval-expired: pending, run paused',
  ])
  expect(page.approvals[2]).toMatchObject({
    note: 'over the limit',
    resolvedBy: { id: 'grace' },
    sessionId: 'session-1',
    userId: 'user-ada',
    source: { type: 'agent', id: 'refund-agent' },
  })
  expect(await run(store.countApprovals({ status: 'pending', runId: 'run-paused' }))).toBe(2)

  // The queue's journal (version 5) starts empty: approvals stored before it have no change.
  expect(await run(store.lastApprovalChangeSeq())).toBe(0)

  // The sweeper closes one; the approval lapses with it, and the deadline is no longer listed.
  const sweeper = new Principal({ id: 'sweeper', roles: ['system'] })
  await run(
    store.resolveRequirement(
      'run-paused',
      'approval-expired',
      new Resolution({ value: null, resolvedBy: sweeper, resolvedAt: T0 + 1_000, lapsed: 'expired' }),
    ),
  )
  expect(Option.getOrThrow(await run(store.getApproval('approval-expired'))).status).toBe('expired')
  expect((await run(store.listExpired(T0 + 1_000, 10))).map(({ id }) => id)).toStrictEqual([
    'confirmation-expired',
  ])
  // Its change is the journal's first.
  expect(
    (await run(store.readApprovalChanges(0, 10))).map(({ seq, approvalId, status, at }) => ({
      seq,
      approvalId,
      status,
      at,
    })),
  ).toStrictEqual([{ seq: 1, approvalId: 'approval-expired', status: 'expired', at: T0 + 1_000 }])
})
