/**
 * Reading what schema version 1 wrote: a run paused by it resumes on this version, which never
 * writes these collections. Version 1 kept the transcript in `transcript` chunks and
 * requirements in `requirements`, their decisions in `resolutions` (as now, without the
 * requirement). A version 1 run that resumes goes on in the version 2 layout: its journal
 * continues in `events`, its old messages stay where they are.
 */
import { type Message, RequirementRecord, StoreError } from '@countersign/core'
import { type Collections, numberedId, wholeRun } from './collections.js'
import * as Docs from './documents.js'

/** The messages of a stored chunk, checked against where the chunk says they go. */
const decodeChunk = (operation: string, runId: string, stored: Docs.Stored) => {
  const messages = Docs.chunks.decode(operation, stored)
  const [_id, start, count] = [
    Docs.field(stored, '_id'),
    Docs.field(stored, 'start'),
    Docs.field(stored, 'count'),
  ]
  const corrupt = (why: string) =>
    new StoreError({ operation, reason: `${Docs.describeDocument('transcript', _id)} is corrupt: ${why}` })
  if (typeof start !== 'number' || !Number.isSafeInteger(start) || start < 0)
    throw corrupt(`its start is ${JSON.stringify(start)}`)
  if (_id !== numberedId(runId, start)) throw corrupt(`its start ${start} does not match its _id`)
  if (count !== messages.length)
    throw corrupt(`its count is ${JSON.stringify(count)}, it holds ${messages.length}`)
  return { start, messages }
}

/**
 * The first `length` messages of a run from its version 1 chunks, sorted by start. Chunks are laid over
 * each other in that order, as the writes happened: a run's writer appends at its committed
 * length, which never decreases, so a chunk that starts later was written later. A chunk
 * rewritten at the same start (a retry after an unfinished write) has already replaced the old
 * one under the same `_id`. A committed transcript has no gaps: a missing position is damage.
 */
const assemble = (
  operation: string,
  runId: string,
  length: number,
  stored: ReadonlyArray<Docs.Stored>,
): Array<Message> => {
  const messages: Array<Message> = []
  for (const chunk of stored.map((document) => decodeChunk(operation, runId, document))) {
    if (chunk.start > messages.length) break
    messages.splice(chunk.start, chunk.messages.length, ...chunk.messages)
  }
  if (messages.length < length)
    throw new StoreError({
      operation,
      reason: `transcript of run ${JSON.stringify(runId)} has ${messages.length} of its first ${length} messages`,
    })
  return messages.slice(0, length)
}

/** The first `length` messages of a run, as version 1 stored them. */
export const readTranscript = async (
  c: Collections,
  operation: string,
  runId: string,
  length: number,
): Promise<Array<Message>> =>
  length <= 0
    ? []
    : assemble(
        operation,
        runId,
        length,
        await c.transcript
          .find({ runId, start: { $lt: length } }, wholeRun)
          .sort({ start: 1 })
          .toArray(),
      )

/** A version 1 requirement, decided if its decision is given. */
export const withDecision = (
  operation: string,
  requirement: Docs.Stored,
  resolution: Docs.Stored | undefined,
): RequirementRecord => {
  const record = Docs.requirements.decode(operation, requirement)
  if (resolution === undefined) return record
  return new RequirementRecord({
    ...record,
    status: 'resolved',
    resolution: Docs.resolutions.decode(operation, resolution),
  })
}

/** A run's version 1 requirements in the order they were raised (a query, only for runs it wrote). */
export const findRequirements = (c: Collections, runId: string) =>
  c.requirements.find({ runId }, wholeRun).sort({ position: 1 }).toArray()

/** Version 1's decisions of these ids, whole: their resolution is only in `doc`. */
export const findDecisions = (c: Collections, ids: ReadonlyArray<string>) =>
  c.resolutions.find({ _id: { $in: [...ids] } }, wholeRun).toArray()
