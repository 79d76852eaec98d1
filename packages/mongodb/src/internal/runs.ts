import type { RequirementRecord, RunRecord } from '@countersign/core'
import type { Collections, RunDocument } from './collections.js'
import { numberedId, schemaVersion } from './collections.js'
import * as Docs from './documents.js'
import { ensureRaisedApprovals } from './approvals.js'

/** A run as of its last stop, with the requirements of the last stop that raised any. */
export interface RunState {
  readonly record: RunRecord
  readonly raised: ReadonlyArray<RequirementRecord>
  /** Whether version 1 may have kept requirements of the run in its `requirements` collection. */
  readonly mayHaveV1Requirements: boolean
}

/** The earliest deadline among requirements, if any has one. */
const earliestDeadline = (requirements: ReadonlyArray<RequirementRecord>) =>
  requirements.reduce<number | undefined>(
    (earliest, { expiresAt }) =>
      expiresAt === undefined || (earliest !== undefined && earliest <= expiresAt) ? earliest : expiresAt,
    undefined,
  )

/** The `runs` document of a run as of a stop (or its creation), `requirements` those it carries. */
export const runDocument = (
  operation: string,
  run: RunRecord,
  requirements: ReadonlyArray<RequirementRecord>,
): Omit<RunDocument, '_id'> => {
  const expiresAt = earliestDeadline(requirements)
  return {
    schemaVersion,
    agentId: run.agentId,
    ...(run.userId === undefined ? {} : { userId: run.userId }),
    status: run.status,
    updatedAt: run.updatedAt,
    createdAt: run.createdAt,
    ...(run.parentRunId === undefined ? {} : { parentRunId: run.parentRunId }),
    input: run.input,
    content: run.content,
    doc: Docs.runs.encode(operation, run.runId, run),
    ...(requirements.length === 0
      ? {}
      : {
          requirements: Docs.raisedRequirements.encode(operation, run.runId, requirements),
          raised: requirements.map(({ id, kind, createdAt, expiresAt }) => ({
            id,
            kind,
            createdAt,
            ...(expiresAt === undefined ? {} : { expiresAt }),
          })),
        }),
    ...(expiresAt === undefined ? {} : { expiresAt }),
  }
}

/**
 * Reading runs as of their last stop: the `runs` document, or a later stop in the journal whose
 * `runs` write did not happen (the commit's second write, lost to a crash). Such a stop is the
 * run's state for every read, and the approvals it raised are written when it is read, since
 * the crash may also have cut off their write (see `commit`).
 */
export const makeRunReader = (c: Collections) => {
  const fromDocument = (operation: string, stored: RunDocument): RunState => ({
    record: Docs.runs.decode(operation, stored),
    raised: stored.requirements === undefined ? [] : Docs.raisedRequirements.decode(operation, stored),
    mayHaveV1Requirements: stored.createdIn === undefined,
  })

  /**
   * Whether the run has an event past `seq`: a lookup by `_id`, where a range query would scan
   * on servers that do not use the index (FerretDB 1.x). Events are gapless, so the next one tells.
   */
  const hasEventAfter = async (runId: string, seq: number) =>
    (await c.events.findOne({ _id: numberedId(runId, seq + 1) }, { projection: { _id: 1 } })) !== null

  /** The state as of the last stop past the `runs` document's, if the journal has one; else `state`. */
  const rollForward = async (operation: string, runId: string, state: RunState): Promise<RunState> => {
    const [later] = await c.events
      .find({ runId, seq: { $gt: state.record.lastSeq }, record: { $exists: true } })
      .sort({ seq: -1 })
      .limit(1)
      .toArray()
    if (later === undefined) return state
    const record = Docs.stopRecord.decode(operation, later)
    const raisedLater = Docs.stopRequirements.decode(operation, later)
    await ensureRaisedApprovals(c, operation, raisedLater, record)
    return { ...state, record, raised: raisedLater.length > 0 ? raisedLater : state.raised }
  }

  /** A run as of its last stop, or undefined when there is no such run. */
  const readRun = async (operation: string, runId: string): Promise<RunState | undefined> => {
    const stored = await c.runs.findOne({ _id: runId })
    if (stored === null) return undefined
    const state = fromDocument(operation, stored)
    return (await hasEventAfter(runId, state.record.lastSeq)) ? rollForward(operation, runId, state) : state
  }

  /**
   * Runs of their `runs` documents, each as of its last stop: one query for all of them tells
   * which have events past their document (rare: a run being resumed, or a lost `runs` write).
   */
  const statesOf = async (
    operation: string,
    documents: ReadonlyArray<RunDocument>,
  ): Promise<Map<string, RunState>> => {
    const states = new Map(documents.map((stored) => [stored._id, fromDocument(operation, stored)]))
    const next = new Map(
      [...states].map(([runId, { record }]) => [numberedId(runId, record.lastSeq + 1), runId]),
    )
    if (next.size === 0) return states
    const moved = await c.events
      .find({ _id: { $in: [...next.keys()] } }, { projection: { _id: 1 } })
      .toArray()
    for (const { _id } of moved) {
      const runId = next.get(_id)
      const state = runId === undefined ? undefined : states.get(runId)
      if (runId !== undefined && state !== undefined)
        states.set(runId, await rollForward(operation, runId, state))
    }
    return states
  }

  /** The runs of these ids that exist, each as of its last stop. */
  const readRuns = async (operation: string, runIds: Iterable<string>) => {
    const ids = [...new Set(runIds)]
    return ids.length === 0
      ? new Map<string, RunState>()
      : statesOf(operation, await c.runs.find({ _id: { $in: ids } }).toArray())
  }

  return { fromDocument, readRun, readRuns, statesOf, hasEventAfter }
}

export type RunReader = ReturnType<typeof makeRunReader>
