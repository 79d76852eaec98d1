import { Schema } from 'effect'
import { describe, expect } from 'vitest'
import { RunEvent } from '../RunEvent.js'
import type { RunStore } from '../RunStore.js'
import type { ConformanceKit } from './ApprovalConformance.js'
import { batchOf, run, sampleEvents } from './StoreConformance.js'

const encodeEvents = Schema.encodeSync(Schema.Array(RunEvent))

/** Each run's events as read, in the order read; and whether each run's came together. */
const byRun = (events: ReadonlyArray<RunEvent>) => {
  const runs = new Map<string, Array<RunEvent>>()
  const order: Array<string> = []
  for (const event of events) {
    if (order.at(-1) !== event.runId) order.push(event.runId)
    runs.set(event.runId, [...(runs.get(event.runId) ?? []), event])
  }
  return { runs, together: new Set(order).size === order.length }
}

/**
 * The events' mark once it moved from `mark`: at once, or within the moment a store may take to
 * share one change among batches (see `RunStore.eventsMark`); an error after 5 s.
 */
export const markMovedFrom = async (store: RunStore, mark: string): Promise<string> => {
  const giveUpAt = Date.now() + 5_000
  for (;;) {
    const { mark: now } = await run(store.eventsMark())
    if (now !== mark) return now
    if (Date.now() > giveUpAt) throw new Error(`the events' mark stayed ${mark} for 5 s`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** The reads of many followed runs at once that a process's one reader makes (`readEventsOfRuns`). */
export const describeEventsOfRunsConformance = ({ test, uid }: ConformanceKit): void => {
  /** A run whose journal holds its first `count` sample events, in two batches. */
  const journal = async (store: RunStore, count: number) => {
    const runId = uid('run')
    const events = sampleEvents(runId).slice(0, count)
    await run(store.appendBatch(batchOf(runId, events.slice(0, 2))))
    if (count > 2) await run(store.appendBatch(batchOf(runId, events.slice(2))))
    return { runId, events }
  }

  describe('events of several runs', () => {
    test('the events’ mark moves with every batch appended, whichever the run', async (store) => {
      const { mark: before } = await run(store.eventsMark())
      const { runId, events } = await journal(store, 2)
      const afterFirst = await markMovedFrom(store, before)
      await run(store.appendBatch(batchOf(runId, sampleEvents(runId).slice(2, 3))))
      await markMovedFrom(store, afterFirst)
      // Read after the mark, the events are there.
      const read = await run(store.readEventsOfRuns([{ runId, afterSeq: 0 }], 100))
      expect(read).toHaveLength(events.length + 1)
    })

    test('each run’s events after its cursor, together and in order; runs with none add nothing', async (store) => {
      const [a, b, c] = [await journal(store, 6), await journal(store, 3), await journal(store, 4)]
      const unknown = uid('run')

      const read = await run(
        store.readEventsOfRuns(
          [
            { runId: a.runId, afterSeq: 2 },
            { runId: b.runId, afterSeq: 0 },
            { runId: c.runId, afterSeq: 4 },
            { runId: unknown, afterSeq: 0 },
          ],
          100,
        ),
      )

      const { runs, together } = byRun(read)
      expect(together).toBe(true)
      expect([...runs.keys()].sort()).toStrictEqual([a.runId, b.runId].sort())
      expect(encodeEvents(runs.get(a.runId)!)).toStrictEqual(encodeEvents(a.events.slice(2)))
      expect(encodeEvents(runs.get(b.runId)!)).toStrictEqual(encodeEvents(b.events))
      expect(await run(store.readEventsOfRuns([], 100))).toStrictEqual([])
    })

    test('a limit cuts the read short: each run’s are its first after its cursor, and reading on misses none', async (store) => {
      const [a, b] = [await journal(store, 5), await journal(store, 5)]
      const cursors = new Map([
        [a.runId, 1],
        [b.runId, 2],
      ])
      const delivered = new Map<string, Array<RunEvent>>([
        [a.runId, []],
        [b.runId, []],
      ])
      let reads = 0
      for (;;) {
        const read = await run(
          store.readEventsOfRuns(
            [...cursors].map(([runId, afterSeq]) => ({ runId, afterSeq })),
            3,
          ),
        )
        if (read.length === 0) break
        expect(read.length).toBeLessThanOrEqual(3)
        reads += 1
        for (const event of read) {
          // Next after the cursor: no gap, no repeat.
          expect(event.seq).toBe(cursors.get(event.runId)! + 1)
          cursors.set(event.runId, event.seq)
          delivered.get(event.runId)!.push(event)
        }
      }

      expect(reads).toBe(3)
      expect(encodeEvents(delivered.get(a.runId)!)).toStrictEqual(encodeEvents(a.events.slice(1)))
      expect(encodeEvents(delivered.get(b.runId)!)).toStrictEqual(encodeEvents(b.events.slice(2)))
    })
  })
}
