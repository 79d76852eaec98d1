import {
  holdsAt,
  isFinal,
  isWorking,
  pageOf,
  type RunLease,
  type RunQuery,
  type RunRecord,
} from '@countersign/core'
import { type Collections, type EventDocument, numberedId, type RunDocument } from './collections.js'
import type { RunReader } from './runs.js'
import { searchFilter } from './runSearch.js'

/*
 * A writer's lease lives in its claim's document: the run's `runs` document for the writer that
 * created it (claim 1), the first event's document of its first batch for any other. Each is
 * written by that writer only, so FerretDB's non-atomic updates never mix two writers' writes;
 * and a claim costs no write of its own. A lease of a claim at or before the run's last stop
 * is over, whatever its time says.
 */

/** Renews a lease in its claim's event document (a writer renews once its first batch is in). */
export const renewLease = (c: Collections, { runId, claimSeq, expiresAt }: RunLease) =>
  c.events.updateOne({ _id: numberedId(runId, claimSeq) }, { $set: { leaseExpiresAt: expiresAt } })

/**
 * Inserts a stop's batch and ends its claim's lease (so that listings no longer find it) in one
 * command: an ordered `update` whose first statements insert the documents, then one unsets the
 * lease. Each insert is an upsert whose filter no stored event matches (every one has a `seq`),
 * so it never changes a stored document: a taken `_id` fails as a duplicate key and stops the
 * rest, as an ordered insert does. Cut short by a crash, the lease is left on a claim before the
 * run's last stop, which is over whatever its time says.
 */
export const insertEndingLease = (
  c: Collections,
  documents: ReadonlyArray<EventDocument>,
  { runId, claimSeq }: RunLease,
) =>
  c.events.bulkWrite(
    [
      ...documents.map(({ _id, ...fields }) => ({
        updateOne: {
          filter: { _id, seq: { $exists: false } },
          update: { $setOnInsert: fields },
          upsert: true,
        },
      })),
      {
        updateOne: {
          filter: { _id: numberedId(runId, claimSeq) },
          update: { $unset: { leaseExpiresAt: '' } },
        },
      },
    ],
    { ordered: true },
  )

/** The latest lease of each run in `documents` since its last stop (as `records` say). */
const latestLeases = async (
  c: Collections,
  documents: ReadonlyArray<RunDocument>,
  records: ReadonlyMap<string, RunRecord>,
) => {
  const claims = await c.events
    .find(
      { runId: { $in: documents.map(({ _id }) => _id) }, leaseExpiresAt: { $exists: true } },
      { projection: { runId: 1, seq: 1, leaseExpiresAt: 1 } },
    )
    .toArray()
  const created = documents.flatMap(({ _id, leaseExpiresAt }) =>
    leaseExpiresAt === undefined ? [] : [{ runId: _id, claimSeq: 1, expiresAt: leaseExpiresAt }],
  )
  const leases = new Map<string, RunLease>()
  for (const lease of [
    ...created,
    ...claims.map(({ runId, seq, leaseExpiresAt }) => ({ runId, claimSeq: seq, expiresAt: leaseExpiresAt! })),
  ]) {
    const latest = leases.get(lease.runId)
    const record = records.get(lease.runId)
    // A new run's first writer's lease is in both of its claim's documents: the renewed one is later.
    const later =
      latest === undefined ||
      lease.claimSeq > latest.claimSeq ||
      (lease.claimSeq === latest.claimSeq && lease.expiresAt > latest.expiresAt)
    if (record !== undefined && lease.claimSeq > record.lastSeq && later) leases.set(lease.runId, lease)
  }
  return leases
}

export const makeLeaseReader = (c: Collections, runs: RunReader) => {
  const getLease = async (runId: string): Promise<RunLease | undefined> => {
    const [document, state] = await Promise.all([
      c.runs.findOne({ _id: runId }),
      runs.readRun('getLease', runId),
    ])
    if (document === null || state === undefined) return undefined
    return (await latestLeases(c, [document], new Map([[runId, state.record]]))).get(runId)
  }

  const newestFirst = (a: RunRecord, b: RunRecord) =>
    b.createdAt - a.createdAt || (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0)

  /**
   * The root runs interrupted at `query.interruptedAt`, paged. Runs worked on are found among the
   * runs never stopped (status `running`) and those with a claim whose lease is not ended: few,
   * whatever the number of runs stored, so they are filtered and paged here. A run claimed by a
   * version before leases, after a stop, is not found (`recoverRun` still takes it).
   */
  const listInterrupted = async (query: RunQuery) => {
    const at = query.interruptedAt ?? Number.POSITIVE_INFINITY
    const leased = await c.events.distinct('runId', { leaseExpiresAt: { $exists: true } })
    const documents = await c.runs
      .find({
        parentRunId: { $exists: false },
        ...(query.userId === undefined ? {} : { userId: query.userId }),
        ...(query.agentId === undefined ? {} : { agentId: query.agentId }),
        $and: [{ $or: [{ status: 'running' }, { _id: { $in: leased } }] }, searchFilter(query.search)],
      })
      .toArray()
    const states = await runs.statesOf('listRuns', documents)
    const records = new Map([...states].map(([runId, { record }]) => [runId, record]))
    const leases = await latestLeases(c, documents, records)
    const interrupted: Array<RunRecord> = []
    for (const record of records.values())
      if (
        !isFinal(record.status) &&
        (query.status === undefined || record.status === query.status) &&
        !holdsAt(record, leases.get(record.runId), at) &&
        isWorking(record, await runs.hasEventAfter(record.runId, record.lastSeq))
      )
        interrupted.push(record)
    interrupted.sort(newestFirst)
    const { items, ...total } = pageOf(interrupted, query)
    return { runs: items, ...total }
  }

  return { getLease, listInterrupted }
}
