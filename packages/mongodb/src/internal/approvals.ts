/**
 * The approval queue: one `approvals` document per approval, written beside the runs' documents.
 *
 * A requirement of kind `approval` becomes an approval when the stop that raises it is committed:
 * `commit` inserts its documents after the stop's events (the commit point) and before the `runs`
 * write, and a read that finds the stop past the `runs` document (that write lost to a crash)
 * inserts whichever are missing. A crash after the stop's events and before its approvals leaves
 * them out of the queue until the run is next read (every resume reads it first); nothing loses
 * them for good. Approvals are inserted leaving a taken id as it is: a second write of one
 * approval (`recordApproval`, or a commit and a read both writing it) changes nothing.
 *
 * Every approval inserted, and every decision written over one, has its change journaled after
 * it (see approvalChanges.ts), by the writer that inserted or decided it.
 *
 * The decision is the requirement's resolution, inserted once (the race's one winner); the
 * approval's document follows it. The resolution of an approval is inserted flagged
 * `approvalOutdated`, and the flag is cleared once the approval's document is written, so that
 * the queue's reads find what a crash left between the two and repair it first: the counts and
 * the filters by status are right, not only the documents shown. A pending approval shown or
 * read is also checked against the decisions by `_id` (what a writer that does not flag, such as
 * an older version of this package, left behind). So deciding an approval costs three writes (the
 * decision, the approval, the flag cleared) where other requirements cost one, and a stop that
 * raises approvals one more insert: runs without approvals write what they wrote before.
 */
import {
  Approval,
  ApprovalRecord,
  countLimit,
  pageTotal,
  type RequirementRecord,
  type RunRecord,
} from '@countersign/core'
import { Option } from 'effect'
import type { Filter } from 'mongodb'
import { appendChanges } from './approvalChanges.js'
import {
  type ApprovalDocument,
  type Collections,
  type ResolutionDocument,
  schemaVersion,
} from './collections.js'
import * as Docs from './documents.js'
import { isDuplicateKey, refusedAsTaken } from './errors.js'
import type { RunReader, RunState } from './runs.js'

/** An approval as stored: its record, and beside it what the queue filters and sorts on. */
export const approvalDocument = (
  operation: string,
  approval: ApprovalRecord,
  usedGrant?: string,
): ApprovalDocument => ({
  _id: approval.id,
  schemaVersion,
  type: approval.type,
  status: approval.status,
  runId: approval.runId,
  sourceId: approval.source.id,
  toolName: approval.toolName,
  createdAt: approval.createdAt,
  ...(approval.userId === undefined ? {} : { userId: approval.userId }),
  ...(approval.sessionId === undefined ? {} : { sessionId: approval.sessionId }),
  ...(approval.grantId === undefined ? {} : { grantId: approval.grantId }),
  ...(usedGrant === undefined ? {} : { usedGrant }),
  doc: Docs.approvals.encode(operation, approval.id, approval),
})

/** An approval and its document, encoded before anything is written. */
export interface Written {
  readonly approval: ApprovalRecord
  readonly document: ApprovalDocument
}

export const written = (operation: string, approval: ApprovalRecord, usedGrant?: string): Written => ({
  approval,
  document: approvalDocument(operation, approval, usedGrant),
})

/**
 * Inserts the approvals, leaving each whose id is taken as it is stored, then journals the
 * changes of those it inserted.
 */
export const insertNew = async (c: Collections, approvals: ReadonlyArray<Written>) => {
  if (approvals.length === 0) return
  let refused: ReadonlySet<number> = new Set()
  try {
    await c.approvals.insertMany(
      approvals.map(({ document }) => document),
      { ordered: false },
    )
  } catch (cause) {
    refused = refusedAsTaken(cause, approvals.length)
  }
  await appendChanges(
    c,
    approvals.filter((_, index) => !refused.has(index)).map(({ approval }) => approval),
  )
}

/** The approvals among the requirements a stop raised (those of kind `approval`), as of the stop's record. */
export const raisedApprovals = (requirements: ReadonlyArray<RequirementRecord>, record: RunRecord) =>
  requirements
    .filter(({ kind }) => kind === Approval.kind)
    .map((requirement) => Approval.fromRequirement(requirement, record))

/** Writes the approvals a stop raised that are not stored: one read, and an insert only when some are missing. */
export const ensureRaisedApprovals = async (
  c: Collections,
  operation: string,
  requirements: ReadonlyArray<RequirementRecord>,
  record: RunRecord,
) => {
  const approvals = raisedApprovals(requirements, record)
  if (approvals.length === 0) return
  const stored = await c.approvals
    .find({ _id: { $in: approvals.map(({ id }) => id) } }, { projection: { _id: 1 } })
    .toArray()
  const known = new Set(stored.map(({ _id }) => _id))
  await insertNew(
    c,
    approvals.filter(({ id }) => !known.has(id)).map((approval) => written(operation, approval)),
  )
}

/** What a filter asks of the documents: every field given must match. */
const filterOf = (filter: Approval.ApprovalFilter): Filter<ApprovalDocument> => ({
  ...(filter.status === undefined ? {} : { status: filter.status }),
  ...(filter.type === undefined ? {} : { type: filter.type }),
  ...(filter.sourceId === undefined ? {} : { sourceId: filter.sourceId }),
  ...(filter.userId === undefined ? {} : { userId: filter.userId }),
  ...(filter.toolName === undefined ? {} : { toolName: filter.toolName }),
  ...(filter.runId === undefined ? {} : { runId: filter.runId }),
  ...(filter.sessionId === undefined ? {} : { sessionId: filter.sessionId }),
  ...(filter.grantId === undefined ? {} : { grantId: filter.grantId }),
  ...(filter.createdFrom === undefined && filter.createdTo === undefined
    ? {}
    : {
        createdAt: {
          ...(filter.createdFrom === undefined ? {} : { $gte: filter.createdFrom }),
          ...(filter.createdTo === undefined ? {} : { $lt: filter.createdTo }),
        },
      }),
})

/** How often a page is asked for again after repairs made it stale: each round repairs at least one document. */
const maxRounds = 3

export const makeApprovalQueue = (c: Collections, runs: RunReader) => {
  /**
   * Writes a decided approval over its document (or where it is missing), journals its change,
   * then clears its decision's flag. Only the decision's winner, or a read repairing what it
   * left, writes it, and always the same record: concurrent writes agree. While the flag is up
   * the change may not be journaled yet, so a repair of a flagged decision journals it whatever
   * the document said: a change may then be journaled twice, never lost to a crash before the flag
   * is cleared.
   */
  const storeDecided = async (operation: string, approval: ApprovalRecord, flagged: boolean) => {
    const { _id, ...replacement } = approvalDocument(operation, approval)
    let before: string | undefined
    try {
      before = (
        await c.approvals.findOneAndReplace({ _id }, replacement, { upsert: true, returnDocument: 'before' })
      )?.status
    } catch (cause) {
      // The pending approval was inserted (by its commit, or a read of its stop) between the upsert's look and its insert.
      if (!isDuplicateKey(cause)) throw cause
      await c.approvals.replaceOne({ _id }, replacement)
      before = 'pending'
    }
    if (flagged || before !== approval.status) await appendChanges(c, [approval])
    if (flagged) await c.resolutions.updateOne({ _id }, { $unset: { approvalOutdated: '' } })
  }

  /**
   * The approvals these decisions decide, stored over the documents that missed them; `states`
   * are the runs already read, if any.
   */
  const repair = async (
    operation: string,
    decisions: ReadonlyArray<ResolutionDocument>,
    states?: ReadonlyMap<string, RunState>,
  ) => {
    const decided = decisions
      .flatMap((stored) =>
        stored.requirement === undefined
          ? []
          : [{ stored, requirement: Docs.decidedRequirement.decode(operation, stored) }],
      )
      .filter(({ requirement }) => requirement.kind === Approval.kind)
    const missing = decided.map(({ requirement }) => requirement.runId).filter((runId) => !states?.has(runId))
    const read = missing.length === 0 ? new Map<string, RunState>() : await runs.readRuns(operation, missing)
    const repaired = new Map<string, ApprovalRecord>()
    for (const { stored, requirement } of decided) {
      const state = states?.get(requirement.runId) ?? read.get(requirement.runId)
      if (state === undefined) continue
      const approval = Approval.fromRequirement(requirement, state.record)
      await storeDecided(operation, approval, stored.approvalOutdated === true)
      repaired.set(approval.id, approval)
    }
    return repaired
  }

  /** Repairs the approvals whose decisions are flagged: normally none, unless a process died between the two writes. */
  const repairOutdated = async (operation: string) => {
    const outdated = await c.resolutions.find({ approvalOutdated: true }).toArray()
    if (outdated.length > 0) await repair(operation, outdated)
  }

  /**
   * Approvals as they stand: each pending one checked against the decisions (and repaired if one
   * is there), each with its run's current status. Answers how many were repaired.
   */
  const settle = async (operation: string, approvals: ReadonlyArray<ApprovalRecord>) => {
    const pending = approvals
      .filter(({ type, status }) => type === 'required' && status === 'pending')
      .map(({ id }) => id)
    const [decisions, states] = await Promise.all([
      pending.length === 0 ? [] : c.resolutions.find({ _id: { $in: pending } }).toArray(),
      runs.readRuns(
        operation,
        approvals.map(({ runId }) => runId),
      ),
    ])
    const repaired =
      decisions.length === 0 ? new Map<string, ApprovalRecord>() : await repair(operation, decisions, states)
    return {
      repaired: repaired.size,
      approvals: approvals.map((approval) => {
        const current = repaired.get(approval.id) ?? approval
        const status = states.get(current.runId)?.record.status
        return status === undefined || status === current.runStatus
          ? current
          : new ApprovalRecord({ ...current, runStatus: status })
      }),
    }
  }

  return {
    /** The approval a requirement's resolution decided, written by the resolution's winner (its decision is flagged). */
    decided: (operation: string, requirement: RequirementRecord, record: RunRecord) =>
      storeDecided(operation, Approval.fromRequirement(requirement, record), true),

    list: async (operation: string, query: Approval.ApprovalQuery): Promise<Approval.ApprovalPage> => {
      await repairOutdated(operation)
      const filter = filterOf(query)
      const countedToLimit = () => c.approvals.countDocuments(filter, { limit: countLimit(query) })
      if (query.limit <= 0) return { approvals: [], ...pageTotal(await countedToLimit(), query) }
      for (let round = 1; ; round++) {
        const [documents, counted] = await Promise.all([
          c.approvals
            .find(filter)
            .sort({ createdAt: -1, _id: 1 })
            .skip(query.offset)
            .limit(query.limit)
            .toArray(),
          countedToLimit(),
        ])
        const settled = await settle(
          operation,
          documents.map((stored) => Docs.approvals.decode(operation, stored)),
        )
        // A repaired approval may no longer match the filter (of status pending, say): ask again.
        if (settled.repaired === 0 || round === maxRounds)
          return { approvals: settled.approvals, ...pageTotal(counted, query) }
      }
    },

    count: async (operation: string, filter: Approval.ApprovalFilter) => {
      await repairOutdated(operation)
      return c.approvals.countDocuments(filterOf(filter))
    },

    get: async (operation: string, approvalId: string) => {
      const stored = await c.approvals.findOne({ _id: approvalId })
      if (stored === null) return Option.none<ApprovalRecord>()
      const { approvals } = await settle(operation, [Docs.approvals.decode(operation, stored)])
      return Option.fromNullable(approvals[0])
    },

    /** Writes an approval decided already; one whose id is stored is left as it is. */
    record: (operation: string, approval: ApprovalRecord) => insertNew(c, [written(operation, approval)]),
  }
}
