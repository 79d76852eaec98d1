/**
 * Backfills: documents written by earlier versions of this package given the fields this one
 * queries on, as SQLite's migrations copy fields into new columns. Documents keep their schema
 * version (what a backfill adds is a copy of what their record says, which any version reads),
 * so a backfill is recorded apart: one `migrations` document per backfill applied, inserted once
 * it is done. Servers starting at once may both apply one; a backfill writes only what the
 * records say, so they agree. A backfill that is cut short is applied again at the next start.
 *
 * Documents an older version still writes after a backfill was recorded (servers of both
 * versions running during an upgrade) are not rewritten by it: upgrade every server first, or
 * delete the backfill's `migrations` document to have it applied again.
 */
import type { RunRecord } from '@countersign/core'
import type { Filter } from 'mongodb'
import type { Collections, RunDocument } from './collections.js'
import * as Docs from './documents.js'
import { isDuplicateKey } from './errors.js'

interface Backfill {
  readonly id: string
  readonly apply: (c: Collections, operation: string) => Promise<void>
}

/**
 * How many documents a backfill reads at a time (in one reply: a first batch holds 101), then
 * updates one by one, in parallel: FerretDB 1.x may stall on `update` commands of many
 * statements, and on several of them at once.
 */
const pageSize = 50

/**
 * Sets on each `runs` document that `missing` matches the fields `copied` takes from its record,
 * page by page, each read whole before it is written. A document whose record does not decode is
 * left as it is, to fail the reads that touch it as it would have.
 */
const copyFromRecords = async (
  c: Collections,
  operation: string,
  missing: Filter<RunDocument>,
  copied: (record: RunRecord) => Partial<RunDocument>,
) => {
  for (let after: string | undefined; ;) {
    const page = await c.runs
      .find(
        { ...missing, ...(after === undefined ? {} : { _id: { $gt: after } }) },
        { projection: { requirements: 0, raised: 0 } },
      )
      .sort({ _id: 1 })
      .limit(pageSize)
      .toArray()
    await Promise.all(
      page.map(async (stored) => {
        let record
        try {
          record = Docs.runs.decode(operation, stored)
        } catch {
          return
        }
        await c.runs.updateOne({ _id: stored._id }, { $set: copied(record) })
      }),
    )
    if (page.length < pageSize) return
    after = page.at(-1)?._id
  }
}

const backfills: ReadonlyArray<Backfill> = [
  {
    // `listRuns` filters root runs (no `parentRunId`) and orders them by `createdAt`: copies of
    // the record's fields that `runs` documents written before it lack.
    id: 'runs-created-at-and-parent',
    apply: (c, operation) =>
      copyFromRecords(c, operation, { createdAt: { $exists: false } }, ({ createdAt, parentRunId }) =>
        parentRunId === undefined ? { createdAt } : { createdAt, parentRunId },
      ),
  },
  {
    // `listRuns` searches the input and the answer: copies of the record's, like the above.
    id: 'runs-input-and-content',
    apply: (c, operation) =>
      copyFromRecords(c, operation, { input: { $exists: false } }, ({ input, content }) => ({
        input,
        content,
      })),
  },
]

/** Applies the backfills not recorded as applied, in order, recording each once done. */
export const applyBackfills = async (c: Collections, operation: string) => {
  const applied = new Set(
    (await c.migrations.find({}, { projection: { _id: 1 } }).toArray()).map(({ _id }) => _id),
  )
  for (const backfill of backfills) {
    if (applied.has(backfill.id)) continue
    await backfill.apply(c, operation)
    try {
      await c.migrations.insertOne({ _id: backfill.id, appliedAt: Date.now() })
    } catch (cause) {
      // Another server applied it at the same time, and recorded it first.
      if (!isDuplicateKey(cause)) throw cause
    }
  }
}
