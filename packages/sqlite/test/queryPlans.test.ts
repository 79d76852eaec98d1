import { Effect } from 'effect'
import { countLimit, type RunStore } from '@countersign/core'
import { fillStore, growingQueries } from '@countersign/core/testing'
import type Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { openDatabase } from '../src/internal/connection.js'
import { makeRunStore } from '../src/internal/store.js'
import { tempDatabase } from './tempDatabase.js'

/*
 * The queries that grow with the store — the approval queue, run lists, what the sweeper finds
 * due, and what followers read — are index searches or index-ordered scans, never a scan of a
 * table nor a sort, and a page's total is counted in an index alone, without reading the rows it
 * counts, and no further than the page's count limit: SQLite's plan (`EXPLAIN QUERY PLAN`) of every statement each store call runs says so. The plans do not depend on how many rows there are (the store runs no ANALYZE): a
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
    await run(fillStore(store, 300))
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

  /** A step of a count that reads the table's rows, not an index's entries alone. */
  const readsRows = (source: string) => (step: string) =>
    source.includes('count(*)') && /^(SCAN|SEARCH) /.test(step) && !step.includes('COVERING INDEX')

  /** A count's scan of its subquery's rows: the matches found in the index, the page's count limit at most. */
  const countsMatches = (source: string) => (step: string) =>
    step === 'SCAN matches' && /LIMIT @countLimit\) AS matches$/.test(source)

  it.each(growingQueries)('%s: index searches only', async (_, call) => {
    const opened = await open()
    const plans = await plansOf(opened, () => run(call(opened.store)))
    expect(plans.length).toBeGreaterThan(0)
    for (const { source, steps } of plans)
      expect({
        source,
        unindexed: steps.filter(
          (step) => !countsMatches(source)(step) && (unindexed(step) || readsRows(source)(step)),
        ),
      }).toStrictEqual({
        source,
        unindexed: [],
      })
  })

  const deepPage = { offset: 100, limit: 20 }
  it.each<readonly [string, (store: RunStore) => Effect.Effect<unknown, unknown>]>([
    ['runs', (store) => store.listRuns(deepPage)],
    ['approvals', (store) => store.listApprovals({ status: 'pending', ...deepPage })],
  ])("a page of %s counts to the page's count limit, in an index alone", async (_, call) => {
    const opened = await open()
    const plans = await plansOf(opened, () => run(call(opened.store)))
    const counts = opened.ran.filter(({ source }) => source.startsWith('SELECT count(*)'))
    expect(counts.map(({ parameters }) => parameters[0])).toStrictEqual([
      expect.objectContaining({ countLimit: countLimit(deepPage) }),
    ])
    const countPlan = plans.find(({ source }) => source.includes('count(*)'))!.steps
    expect(countPlan).toContain('SCAN matches')
    expect(countPlan.filter((step) => /^(SCAN|SEARCH) /.test(step) && step !== 'SCAN matches')).toStrictEqual(
      [expect.stringContaining('USING COVERING INDEX')],
    )
  })
})
