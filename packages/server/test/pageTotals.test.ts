import { countLimit } from '@countersign/core'
import { sampleApproval, sampleRun } from '@countersign/core/testing'
import { SqliteStore } from '@countersign/sqlite'
import { Effect } from 'effect'
import { beforeAll, describe, expect, it } from 'vitest'
import { sqliteFileArgs, useClients, useServer } from './harness.js'

/*
 * A page's total over the wire when more match than a page counts: bob has more runs (and
 * approvals) than a first page's count limit, stored in the server's SQLite file before it
 * starts. The total stops at the limit and says so; it never counts another user's runs.
 */

const args = sqliteFileArgs()
const bobsRuns = countLimit({ offset: 0, limit: 50 }) + 5
const T0 = 1_700_000_000_000

beforeAll(async () => {
  const store = SqliteStore.make({ path: args[1]! })
  const runs = Array.from({ length: bobsRuns }, (_, index) => `bobs-run-${index}`)
  await Effect.runPromise(
    Effect.forEach(
      runs,
      (runId, index) =>
        Effect.andThen(
          store.createRun(sampleRun(runId, { userId: 'bob', status: 'completed', createdAt: T0 + index })),
          store.recordApproval(
            sampleApproval(runId, `bobs-approval-${index}`, { userId: 'bob', createdAt: T0 + index }),
          ),
        ),
      { discard: true },
    ),
  )
  store.close()
})

const server = useServer(args)
const as = useClients(server)

describe('page totals', () => {
  it('a user with more runs than a page counts gets the count limit, marked inexact, and deeper pages count past themselves', async () => {
    const bob = as('bob')
    const first = await bob.runs.list.query({ limit: 20 })
    expect([first.runs.length, first.total, first.totalExact]).toStrictEqual([
      20,
      countLimit({ offset: 0, limit: 20 }),
      false,
    ])
    expect(first.runs[0]!.runId).toBe(`bobs-run-${bobsRuns - 1}`)
    const deep = await bob.runs.list.query({ offset: bobsRuns - 1, limit: 20 })
    expect([deep.runs.map(({ runId }) => runId), deep.total, deep.totalExact]).toStrictEqual([
      ['bobs-run-0'],
      bobsRuns,
      true,
    ])
  })

  it("another user's total counts their own runs only, exactly, however many others have", async () => {
    const alice = as('alice')
    const started = await alice.runs.start.mutate({ agentId: 'assistant', input: 'Move 100' })
    const listed = await alice.runs.list.query({ limit: 1 })
    expect([listed.runs.map(({ runId }) => runId), listed.total, listed.totalExact]).toStrictEqual([
      [started.runId],
      1,
      true,
    ])
    // An admin's listing is everyone's: capped.
    const everyone = await as('root').runs.list.query({ limit: 1 })
    expect([everyone.total, everyone.totalExact]).toStrictEqual([countLimit({ offset: 0, limit: 1 }), false])
  })

  it('the approval queue pages the same way', async () => {
    const ann = as('ann')
    const first = await ann.approvals.list.query({ userId: 'bob', limit: 50 })
    expect([first.approvals.length, first.total, first.totalExact]).toStrictEqual([
      50,
      countLimit({ offset: 0, limit: 50 }),
      false,
    ])
    const last = await ann.approvals.list.query({ userId: 'bob', offset: bobsRuns - 1 })
    expect([last.approvals.map(({ id }) => id), last.total, last.totalExact]).toStrictEqual([
      ['bobs-approval-0'],
      bobsRuns,
      true,
    ])
    // The exact count stays exact.
    expect(await ann.approvals.count.query({ userId: 'bob' })).toBe(bobsRuns)
  })
})
