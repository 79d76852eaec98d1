/**
 * The approval queue's journal: one `approval_changes` document per change, its `_id` the
 * change's number, which the change feed follows.
 *
 * MongoDB writes one document atomically (FerretDB: no transactions, no change streams), so a
 * change cannot be written with the approval it records. It is numbered once the approval's
 * write has succeeded, from a counter (`counters`, one `$inc` for the changes of one write), then
 * inserted under its number. The trade-off, which the feed is built for:
 *
 * - Numbers become visible out of order: change 7 may be read while 6 is still being inserted.
 * - A number may never be used: a process that dies between taking it and inserting its change
 *   leaves a hole, and that change is lost to the feed (its approval is stored and listed as
 *   ever). The feed waits for a missing number up to a grace period before it goes past it.
 *
 * Since a change is numbered after its approval's write, whoever reads the counter at n sees,
 * from then on, the approval writes of every change up to n: a page of the queue read after
 * `lastSeq` shows them all. A number is used once, by `_id`: should the counter hand one out
 * twice (FerretDB 1.x does not make updates atomic against concurrent writers), the second
 * insert is refused and its change takes a new number.
 */
import { Approval, ApprovalChange, type ApprovalRecord, StoreError } from '@countersign/core'
import { Either, ParseResult, Schema } from 'effect'
import {
  type ApprovalChangeDocument,
  type Collections,
  approvalChangeCounter,
  schemaVersion,
} from './collections.js'
import { describeDocument } from './documents.js'
import { isDuplicateKey, refusedAsTaken } from './errors.js'

type Unnumbered = Omit<ApprovalChange, 'seq'>

const decodeChange = Schema.decodeUnknownEither(ApprovalChange)

const decode = (operation: string, stored: ApprovalChangeDocument): ApprovalChange => {
  const corrupt = (why: string) =>
    new StoreError({
      operation,
      reason: `${describeDocument('approvalChanges', stored._id)} is corrupt: ${why}`,
    })
  // The journal came in version 2.
  const version: unknown = stored.schemaVersion
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 2 || version > schemaVersion)
    throw corrupt(`its schemaVersion is ${JSON.stringify(version)}`)
  const { _id, approvalId, status, at } = stored
  return Either.getOrThrowWith(decodeChange({ seq: _id, approvalId, status, at }), (error) =>
    corrupt(ParseResult.TreeFormatter.formatErrorSync(error)),
  )
}

/** Takes `count` numbers from the counter: the last of them is answered. */
const take = async (c: Collections, count: number): Promise<number> => {
  for (;;) {
    try {
      const counter = await c.counters.findOneAndUpdate(
        { _id: approvalChangeCounter },
        { $inc: { seq: count } },
        { upsert: true, returnDocument: 'after' },
      )
      if (counter === null) throw new Error('the counter of approval changes was not returned')
      return counter.seq
    } catch (cause) {
      // Two first uses both inserted the counter: one won, the other takes from it now.
      if (!isDuplicateKey(cause)) throw cause
    }
  }
}

/**
 * Appends the changes of approvals whose write has just succeeded, numbered in order; a number
 * found taken is replaced by a new one.
 */
export const appendChanges = async (c: Collections, approvals: ReadonlyArray<ApprovalRecord>) => {
  let waiting: ReadonlyArray<Unnumbered> = approvals.map(Approval.changeOf)
  while (waiting.length > 0) {
    const last = await take(c, waiting.length)
    const first = last - waiting.length + 1
    const documents = waiting.map((change, index): ApprovalChangeDocument => ({
      _id: first + index,
      schemaVersion,
      ...change,
    }))
    try {
      await c.approvalChanges.insertMany(documents, { ordered: false })
      waiting = []
    } catch (cause) {
      const refused = refusedAsTaken(cause, documents.length)
      waiting = waiting.filter((_, index) => refused.has(index))
    }
  }
}

/** The changes numbered after `afterSeq`, in order, at most `limit`. */
export const readChanges = async (c: Collections, operation: string, afterSeq: number, limit: number) => {
  if (!(limit > 0)) return []
  const documents = await c.approvalChanges
    .find({ _id: { $gt: afterSeq } })
    .sort({ _id: 1 })
    // 0 is no limit.
    .limit(Number.isFinite(limit) ? Math.max(1, Math.floor(limit)) : 0)
    .toArray()
  return documents.map((stored) => decode(operation, stored))
}

/** The last number the counter handed out (0 before the first). */
export const lastChangeSeq = async (c: Collections) =>
  (await c.counters.findOne({ _id: approvalChangeCounter }))?.seq ?? 0
