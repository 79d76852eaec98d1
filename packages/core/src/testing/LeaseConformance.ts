import { Option } from 'effect'
import { describe, expect } from 'vitest'
import type { RunLease, RunQuery, RunRecord } from '../Run.js'
import type { RunEvent } from '../RunEvent.js'
import type { RunStore } from '../RunStore.js'
import type { ConformanceKit } from './ApprovalConformance.js'
import { batchOf, run, sampleRun, T0 } from './StoreConformance.js'

const leaseOf = (runId: string, claimSeq: number, expiresAt: number): RunLease => ({
  runId,
  claimSeq,
  expiresAt,
})

const continued = (runId: string, seq: number): RunEvent => ({
  _tag: 'RunContinued',
  runId,
  seq,
  at: T0 + seq,
})

/** A new run's first batch (its creation is its writer's claim), holding that writer's lease. */
const firstBatch = (runId: string, expiresAt: number) => ({
  ...batchOf(runId, [continued(runId, 1)]),
  lease: leaseOf(runId, 1, expiresAt),
})

const getLease = async (store: RunStore, runId: string) =>
  Option.getOrUndefined(await run(store.getLease(runId)))

/**
 * Writers' leases: stored with a run's creation or a writer's first batch, renewed, ended by a
 * stop; and the listing of interrupted runs (worked on, without a live lease) they make possible.
 */
export const describeLeaseConformance = ({ test, uid }: ConformanceKit): void => {
  /**
   * A run created (leased or not, with a first batch if leased), then paused at seq 1, or 2
   * after a first batch: nobody works on it.
   */
  const pausedRun = async (store: RunStore, changes: Partial<RunRecord>, lease?: number) => {
    const created = sampleRun(uid('run'), changes)
    const runId = created.runId
    await run(store.createRun(created, lease === undefined ? undefined : firstBatch(runId, lease)))
    const lastSeq = lease === undefined ? 1 : 2
    const paused = sampleRun(runId, { ...changes, status: 'paused', lastSeq })
    await run(store.commit(batchOf(runId, [continued(runId, lastSeq)]), paused, []))
    return paused
  }

  describe('leases', () => {
    test('createRun stores the lease of the first batch it is given; without one, the run has none', async (store) => {
      const leased = sampleRun(uid('run'))
      const bare = sampleRun(uid('run'))
      await run(store.createRun(leased, firstBatch(leased.runId, T0 + 30)))
      await run(store.createRun(bare))

      expect(await getLease(store, leased.runId)).toStrictEqual(leaseOf(leased.runId, 1, T0 + 30))
      expect(await getLease(store, bare.runId)).toBeUndefined()
    })

    test('a batch stores its lease; renewLease replaces its claim’s; getLease answers the latest claim’s', async (store) => {
      const paused = await pausedRun(store, {})
      const runId = paused.runId
      await run(
        store.appendBatch({ ...batchOf(runId, [continued(runId, 2)]), lease: leaseOf(runId, 2, T0 + 40) }),
      )
      expect(await getLease(store, runId)).toStrictEqual(leaseOf(runId, 2, T0 + 40))

      await run(store.renewLease(leaseOf(runId, 2, T0 + 70)))
      expect(await getLease(store, runId)).toStrictEqual(leaseOf(runId, 2, T0 + 70))

      // A later claim (a recovery) leases the run; the earlier writer's late renewal does not displace it.
      await run(
        store.appendBatch({ ...batchOf(runId, [continued(runId, 3)]), lease: leaseOf(runId, 3, T0 + 50) }),
      )
      await run(store.renewLease(leaseOf(runId, 2, T0 + 90)))
      expect(await getLease(store, runId)).toStrictEqual(leaseOf(runId, 3, T0 + 50))
    })

    test('a new run’s writer renews the lease it was created with', async (store) => {
      const created = sampleRun(uid('run'))
      const runId = created.runId
      await run(store.createRun(created, firstBatch(runId, T0 + 30)))
      await run(store.renewLease(leaseOf(runId, 1, T0 + 90)))

      expect(await getLease(store, runId)).toStrictEqual(leaseOf(runId, 1, T0 + 90))
    })

    test('a stop ends every lease of the run', async (store) => {
      const created = sampleRun(uid('run'))
      await run(store.createRun(created, firstBatch(created.runId, T0 + 30)))
      await run(store.renewLease(leaseOf(created.runId, 1, T0 + 60)))

      await run(
        store.commit(
          batchOf(created.runId, [continued(created.runId, 2)]),
          sampleRun(created.runId, { status: 'completed', lastSeq: 2 }),
          [],
        ),
      )

      expect(await getLease(store, created.runId)).toBeUndefined()
    })
  })

  describe('listing interrupted runs', () => {
    const ids = (page: { readonly runs: ReadonlyArray<RunRecord> }) =>
      page.runs.map(({ runId }) => runId).sort()
    const query = (fields: Partial<RunQuery>): RunQuery => ({ offset: 0, limit: 20, ...fields })

    test('interruptedAt lists root runs being worked on whose latest claim has no live lease', async (store) => {
      const userId = uid('user')
      const at = T0 + 100
      // Never stopped, leased until after `at`: alive. Leased until before: interrupted.
      const alive = sampleRun(uid('run'), { userId })
      await run(store.createRun(alive, firstBatch(alive.runId, at + 1)))
      const lapsed = sampleRun(uid('run'), { userId })
      await run(store.createRun(lapsed, firstBatch(lapsed.runId, at)))
      // Never stopped and never leased (stored before leases): interrupted.
      const unleased = sampleRun(uid('run'), { userId, input: 'Refund the teapot' })
      await run(store.createRun(unleased))
      // Paused: nobody works on it, whatever a late renewal of its last writer left.
      const paused = await pausedRun(store, { userId }, at + 1)
      await run(store.renewLease(leaseOf(paused.runId, 1, at + 1)))
      // Continued, its writer's lease live; continued, its lease lapsed; continued without a
      // lease, a stale one of a claim before its stop left by a late renewal.
      const working = await pausedRun(store, { userId })
      await run(
        store.appendBatch({
          ...batchOf(working.runId, [continued(working.runId, 2)]),
          lease: leaseOf(working.runId, 2, at + 50),
        }),
      )
      const died = await pausedRun(store, { userId })
      await run(
        store.appendBatch({
          ...batchOf(died.runId, [continued(died.runId, 2)]),
          lease: leaseOf(died.runId, 2, at - 50),
        }),
      )
      const stale = await pausedRun(store, { userId })
      await run(store.renewLease(leaseOf(stale.runId, 1, at + 50)))
      await run(store.appendBatch(batchOf(stale.runId, [continued(stale.runId, 2)])))
      // Ended; and a member's run, part of its root's.
      const ended = sampleRun(uid('run'), { userId })
      await run(store.createRun(ended))
      await run(
        store.commit(
          batchOf(ended.runId, [continued(ended.runId, 1)]),
          sampleRun(ended.runId, { userId, status: 'failed', lastSeq: 1 }),
          [],
        ),
      )
      await run(store.createRun(sampleRun(uid('run'), { userId, parentRunId: alive.runId })))

      const interrupted = await run(store.listRuns(query({ userId, interruptedAt: at })))
      expect(ids(interrupted)).toStrictEqual([lapsed.runId, unleased.runId, died.runId, stale.runId].sort())
      expect(interrupted.total).toBe(4)
      // Later, the live leases have lapsed too.
      expect(ids(await run(store.listRuns(query({ userId, interruptedAt: at + 60 }))))).toStrictEqual(
        [alive.runId, lapsed.runId, unleased.runId, working.runId, died.runId, stale.runId].sort(),
      )
      // Paged like any listing; other filters apply with it.
      const page = await run(store.listRuns(query({ userId, interruptedAt: at, offset: 1, limit: 2 })))
      expect([page.runs.length, page.total, page.totalExact]).toStrictEqual([2, 4, true])
      expect(await run(store.listRuns(query({ userId: uid('user'), interruptedAt: at })))).toStrictEqual({
        runs: [],
        total: 0,
        totalExact: true,
      })
      const searched = await run(store.listRuns(query({ userId, interruptedAt: at, search: 'TEAPOT' })))
      expect([ids(searched), searched.total]).toStrictEqual([[unleased.runId], 1])
    })
  })
}
