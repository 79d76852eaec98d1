import {
  EventSequenceConflict,
  RequirementAlreadyResolved,
  RequirementNotFound,
  RequirementRecord,
  RunAlreadyExists,
  RunClaimed,
  StoreError,
  type RunRecord,
  type RunStore,
} from '@countersign/core'
import { Effect, Option } from 'effect'
import type { Db } from 'mongodb'
import {
  collectionsOf,
  numberedId,
  schemaVersion,
  type RequirementDocument,
  type RunDocument,
} from './collections.js'
import * as Docs from './documents.js'
import { attempt, insert, reasonOf } from './errors.js'
import { assemble } from './transcript.js'

/** A requirement as its stored decision says it is: the resolutions collection is the truth. */
const withDecision = (
  operation: string,
  requirement: Docs.Stored,
  resolution: Docs.Stored | null | undefined,
): RequirementRecord => {
  const record = Docs.requirements.decode(operation, requirement)
  if (resolution === null || resolution === undefined) return record
  return new RequirementRecord({
    ...record,
    status: 'resolved',
    resolution: Docs.resolutions.decode(operation, resolution),
  })
}

/**
 * The RunStore over a database. The writes that decide a race — a run id, a claim, an event's
 * sequence number, a requirement's decision — are each one insert whose key the server refuses
 * twice. Nothing relies on conditional updates, which FerretDB 1.x does not make atomic against
 * concurrent writers, nor on transactions. Every other write is made by the run's single writer.
 */
export const makeRunStore = (db: Db): RunStore => {
  const c = collectionsOf(db)

  const runDocument = (operation: string, run: RunRecord): Omit<RunDocument, '_id'> => ({
    schemaVersion,
    agentId: run.agentId,
    ...(run.userId === undefined ? {} : { userId: run.userId }),
    status: run.status,
    updatedAt: run.updatedAt,
    doc: Docs.runs.encode(operation, run.runId, run),
  })

  /** Where a batch's requirements go: after each run's last one. */
  const nextPositions = async (runIds: ReadonlyArray<string>) => {
    const next = new Map<string, number>()
    for (const runId of new Set(runIds)) {
      const last = await c.requirements.findOne(
        { runId },
        { sort: { position: -1 }, projection: { position: 1 } },
      )
      const position: unknown = last?.position ?? 0
      if (typeof position !== 'number' || !Number.isSafeInteger(position))
        throw new StoreError({
          operation: 'insertRequirements',
          reason: `${Docs.describeDocument('requirements', last?._id)} is corrupt: its position is ${JSON.stringify(position)}`,
        })
      next.set(runId, position + 1)
    }
    return next
  }

  const getRequirement = (operation: string, runId: string, requirementId: string) =>
    attempt(operation, async () => {
      const [requirement, resolution] = await Promise.all([
        c.requirements.findOne({ _id: requirementId, runId }),
        c.resolutions.findOne({ _id: requirementId, runId }),
      ])
      return requirement === null
        ? Option.none()
        : Option.some(withDecision(operation, requirement, resolution))
    })

  return {
    createRun: (run) =>
      insert(
        'createRun',
        () => c.runs.insertOne({ _id: run.runId, ...runDocument('createRun', run) }),
        () => new RunAlreadyExists({ runId: run.runId }),
      ),
    getRun: (runId) =>
      attempt('getRun', async () => {
        const stored = await c.runs.findOne({ _id: runId })
        return stored === null ? Option.none() : Option.some(Docs.runs.decode('getRun', stored))
      }),
    saveRun: (run) =>
      attempt('saveRun', async () => {
        await c.runs.replaceOne({ _id: run.runId }, runDocument('saveRun', run), { upsert: true })
      }),

    /*
     * One document per call, so a pause writes only what is new and the run record stays small.
     * A write at a start already used replaces that chunk: it held an unfinished write.
     */
    appendTranscript: (runId, start, messages) =>
      messages.length === 0
        ? Effect.void
        : attempt('appendTranscript', async () => {
            const _id = numberedId(runId, start)
            const chunk = Docs.chunks.encode('appendTranscript', _id, messages)
            await c.transcript.replaceOne(
              { _id },
              { schemaVersion, runId, start, count: messages.length, messages: chunk },
              { upsert: true },
            )
          }),
    readTranscript: (runId, length) =>
      length <= 0
        ? Effect.succeed([])
        : attempt('readTranscript', async () =>
            assemble(
              'readTranscript',
              runId,
              length,
              await c.transcript
                .find({ runId, start: { $lt: length } })
                .sort({ start: 1 })
                .toArray(),
            ),
          ),

    /*
     * Ids come fresh from the engine's IdGenerator, so a taken id is an error, not a retry to
     * absorb: a decision already recorded on it must never be overwritten.
     */
    insertRequirements: (records) =>
      records.length === 0
        ? Effect.void
        : attempt('insertRequirements', async () => {
            const next = await nextPositions(records.map(({ runId }) => runId))
            const documents = records.map((record): RequirementDocument => {
              const position = next.get(record.runId)!
              next.set(record.runId, position + 1)
              return {
                _id: record.id,
                schemaVersion,
                runId: record.runId,
                position,
                kind: record.kind,
                status: record.status,
                createdAt: record.createdAt,
                doc: Docs.requirements.encode('insertRequirements', record.id, record),
              }
            })
            await c.requirements.insertMany(documents, { ordered: true })
          }),
    getRequirement: (runId, requirementId) => getRequirement('getRequirement', runId, requirementId),
    listRequirements: (runId) =>
      attempt('listRequirements', async () => {
        const [requirements, resolutions] = await Promise.all([
          c.requirements.find({ runId }).sort({ position: 1 }).toArray(),
          c.resolutions.find({ runId }).toArray(),
        ])
        const decisions = new Map(resolutions.map((resolution) => [resolution._id, resolution]))
        return requirements.map((requirement) =>
          withDecision('listRequirements', requirement, decisions.get(requirement._id)),
        )
      }),

    /*
     * The insert of the decision under the requirement's id is the one write that decides: of
     * concurrent callers, across processes, the server lets exactly one through. The requirement's
     * own status is updated after it for the queries that filter on status; reads take the
     * decision from the resolutions collection, so a crash between the two loses nothing.
     */
    resolveRequirement: (runId, requirementId, resolution) =>
      Effect.gen(function* () {
        const operation = 'resolveRequirement'
        const found = yield* getRequirement(operation, runId, requirementId)
        if (Option.isNone(found)) return yield* new RequirementNotFound({ runId, requirementId })
        if (found.value.status !== 'pending') return yield* new RequirementAlreadyResolved({ requirementId })
        const resolved = new RequirementRecord({ ...found.value, status: 'resolved', resolution })
        const { doc, decision } = yield* Effect.try({
          try: () => ({
            doc: Docs.requirements.encode(operation, requirementId, resolved),
            decision: Docs.resolutions.encode(operation, requirementId, resolution),
          }),
          catch: (cause) =>
            cause instanceof StoreError ? cause : new StoreError({ operation, reason: reasonOf(cause) }),
        })
        yield* insert(
          operation,
          () =>
            c.resolutions.insertOne({
              _id: requirementId,
              schemaVersion,
              runId,
              resolvedAt: resolution.resolvedAt,
              doc: decision,
            }),
          () => new RequirementAlreadyResolved({ requirementId }),
        )
        yield* attempt(operation, () =>
          c.requirements.updateOne({ _id: requirementId }, { $set: { status: 'resolved', doc } }),
        ).pipe(
          Effect.catchAll((error) =>
            Effect.logWarning(
              `requirement ${requirementId} is resolved, but its status copy was not updated: ${error.reason}`,
            ),
          ),
        )
        // Read back from the stored text: the caller gets a copy that shares nothing with its input.
        return Docs.requirements.decode(operation, { _id: requirementId, schemaVersion, doc })
      }),

    appendEvent: (event) =>
      insert(
        'appendEvent',
        async () => {
          const _id = numberedId(event.runId, event.seq)
          const doc = Docs.events.encode('appendEvent', _id, event)
          return c.events.insertOne({ _id, schemaVersion, runId: event.runId, seq: event.seq, doc })
        },
        () => new EventSequenceConflict({ runId: event.runId, seq: event.seq }),
      ),
    readEvents: (runId, afterSeq) =>
      attempt('readEvents', async () =>
        (
          await c.events
            .find({ runId, seq: { $gt: afterSeq } })
            .sort({ seq: 1 })
            .toArray()
        ).map((stored) => Docs.events.decode('readEvents', stored)),
      ),

    claimRun: (runId, epoch, owner) =>
      insert(
        'claimRun',
        () =>
          c.claims.insertOne({
            _id: numberedId(runId, epoch),
            schemaVersion,
            runId,
            epoch,
            owner,
            at: new Date(),
          }),
        () => new RunClaimed({ runId, epoch }),
      ),
  }
}
