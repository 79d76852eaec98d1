import { Effect } from 'effect'
import { sampleApproval, samplePrincipal, sampleRequirement, sampleRun } from '@countersign/core/testing'
import type Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { openDatabase } from '../src/internal/connection.js'
import { makeRunStore } from '../src/internal/store.js'
import { tempDatabase } from './tempDatabase.js'

/*
 * The queries that grow with the store — the approval queue, run lists, what the sweeper finds
 * due, and what followers read — are index searches or index-ordered scans, never a scan of a
 * table nor a sort: SQLite's plan (`EXPLAIN QUERY PLAN`) of every statement each store call runs
 * says so. The plans do not depend on how many rows there are (the store runs no ANALYZE): a
 * few hundred show them; bench/ measures the latency at 100,000.
 */

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)

/** Records every statement the store runs, with its parameters. */
const recording = (db: Database.Database) => {
  const ran: Array<{ readonly source: string; readonly parameters: ReadonlyArray<unknown> }> = []
  const prepare = db.prepare.bind(db)
  db.prepare = ((source: string) => {
    const statement = prepare(source)
    for (const method of ['all', 'get', 'run', 'iterate'] as const) {
      const original = statement[method].bind(statement) as (...parameters: Array<unknown>) => unknown
      Object.assign(statement, {
        [method]: (...parameters: Array<unknown>) => (
          ran.push({ source, parameters }),
          original(...parameters)
        ),
      })
    }
    return statement
  }) as typeof db.prepare
  return ran
}

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
})

describe('query plans', () => {
  const open = async () => {
    const file = tempDatabase()
    const db = openDatabase(file.path, 5_000, 'normal')
    cleanups.push(() => (db.close(), file.remove()))
    const ran = recording(db)
    const store = makeRunStore(db)
    // Users' runs, half paused on an approval with a deadline, half completed, and decided audits.
    for (let index = 0; index < 300; index++) {
      const runId = `run-${index}`
      const userId = `user-${index % 7}`
      const base = { userId, principal: samplePrincipal(userId), createdAt: index, updatedAt: index }
      await run(store.createRun(sampleRun(runId, base)))
      const requirement = sampleRequirement(runId, `req-${index}`, {
        createdAt: index,
        expiresAt: 1_000 + index,
      })
      const paused = index % 2 === 0
      await run(
        store.commit(
          {
            runId,
            events: [{ _tag: 'RunContinued', runId, seq: 1, at: index }],
            transcriptStart: 0,
            messages: [],
          },
          sampleRun(runId, {
            ...base,
            status: paused ? 'paused' : 'completed',
            lastSeq: 1,
            pendingRequirementIds: paused ? [requirement.id] : [],
          }),
          paused ? [requirement] : [],
        ),
      )
      await run(store.recordApproval(sampleApproval(runId, `audit-${index}`, { createdAt: index })))
    }
    return { db, ran, store }
  }

  /** The plan of every statement `call` ran: each step's description. */
  const plansOf = async (opened: Awaited<ReturnType<typeof open>>, call: () => Promise<unknown>) => {
    opened.ran.splice(0)
    await call()
    return opened.ran.map(({ source, parameters }) => ({
      source,
      steps: (
        opened.db.prepare(`EXPLAIN QUERY PLAN ${source}`).all(...parameters) as Array<{ detail: string }>
      ).map(({ detail }) => detail),
    }))
  }

  /** A full scan of a table (`SCAN runs`, without an index) or a sort of what was found. */
  const unindexed = (step: string) => /^SCAN \w+$/.test(step) || step.includes('TEMP B-TREE')

  const calls: ReadonlyArray<readonly [string, (store: Store) => Effect.Effect<unknown, unknown>]> = [
    [
      'the pending queue, a page and its count',
      (s: Store) => s.listApprovals({ status: 'pending', offset: 0, limit: 50 }),
    ],
    ['the queue of one user', (s: Store) => s.listApprovals({ userId: 'user-3', offset: 0, limit: 50 })],
    ['every approval, newest first', (s: Store) => s.listApprovals({ offset: 0, limit: 50 })],
    ['a user’s runs', (s: Store) => s.listRuns({ userId: 'user-3', offset: 0, limit: 20 })],
    ['everyone’s runs', (s: Store) => s.listRuns({ offset: 0, limit: 20 })],
    ['what the sweeper finds due', (s: Store) => s.listExpired(1_100, 100)],
    ['a follower’s read of a run', (s: Store) => s.readEvents('run-7', 0)],
    [
      'the engine’s one read of every followed run',
      (s: Store) =>
        s.readEventsOfRuns(
          [
            { runId: 'run-7', afterSeq: 0 },
            { runId: 'run-8', afterSeq: 1 },
          ],
          500,
        ),
    ],
    ['the queue’s changes after a number', (s: Store) => s.readApprovalChanges(100, 100)],
  ]

  it.each(calls)('%s: index searches only', async (_, call) => {
    const opened = await open()
    const plans = await plansOf(opened, () => run(call(opened.store)))
    expect(plans.length).toBeGreaterThan(0)
    for (const { source, steps } of plans)
      expect({ source, unindexed: steps.filter(unindexed) }).toStrictEqual({ source, unindexed: [] })
  })
})

type Store = ReturnType<typeof makeRunStore>
