import {
  EventSequenceConflict,
  type JournalBatch,
  RequirementAlreadyResolved,
  RequirementNotFound,
  RequirementRecord,
  RunAlreadyExists,
  type RunRecord,
  type RunStore,
} from '@countersign/core'
import { Effect, Option } from 'effect'
import { type Db, MongoBulkWriteError } from 'mongodb'
import {
  collectionsOf,
  type EventDocument,
  numberedId,
  type RunDocument,
  schemaVersion,
} from './collections.js'
import * as Docs from './documents.js'
import { attempt, insert, isDuplicateKey, storeError } from './errors.js'
import { assembleTranscript, batchDocuments } from './journal.js'
import * as Legacy from './legacy.js'

/** A requirement where it stands, and where it was raised: the stop's epoch and its place in the stop's list. */
interface Located {
  readonly record: RequirementRecord
  readonly epoch: number
  readonly position: number
}

const byRaise = (a: Located, b: Located) => a.epoch - b.epoch || a.position - b.position

/**
 * The RunStore over a database. The writes that decide a race — a run id, an event's sequence
 * number, a requirement's decision — are each one insert whose key the server refuses twice.
 * Nothing relies on conditional updates, which FerretDB 1.x does not make atomic against
 * concurrent writers, nor on transactions. Every other write is made by the run's single writer.
 */
export const makeRunStore = (db: Db): RunStore => {
  const c = collectionsOf(db)

  const runDocument = (
    operation: string,
    run: RunRecord,
    requirements: ReadonlyArray<RequirementRecord>,
  ): Omit<RunDocument, '_id'> => ({
    schemaVersion,
    agentId: run.agentId,
    ...(run.userId === undefined ? {} : { userId: run.userId }),
    status: run.status,
    updatedAt: run.updatedAt,
    doc: Docs.runs.encode(operation, run.runId, run),
    ...(requirements.length === 0
      ? {}
      : {
          requirements: Docs.raisedRequirements.encode(operation, run.runId, requirements),
          raised: requirements.map(({ id, kind, createdAt }) => ({ id, kind, createdAt })),
        }),
  })

  /**
   * Whether the run has an event past `seq`: a lookup by `_id`, where a range query would scan
   * on servers that do not use the index (FerretDB 1.x). Events are gapless, so the next one tells.
   */
  const hasEventAfter = async (runId: string, seq: number) =>
    (await c.events.findOne({ _id: numberedId(runId, seq + 1) }, { projection: { _id: 1 } })) !== null

  /**
   * The run as of its last stop, with the requirements of the last stop that raised any: its
   * `runs` document, or a later stop in its journal whose `runs` write did not happen.
   */
  const readRun = async (operation: string, runId: string) => {
    const stored = await c.runs.findOne({ _id: runId })
    if (stored === null) return undefined
    const record = Docs.runs.decode(operation, stored)
    const raised = stored.requirements === undefined ? [] : Docs.raisedRequirements.decode(operation, stored)
    if (!(await hasEventAfter(runId, record.lastSeq))) return { record, raised }
    const [later] = await c.events
      .find({ runId, seq: { $gt: record.lastSeq }, record: { $exists: true } })
      .sort({ seq: -1 })
      .limit(1)
      .toArray()
    if (later === undefined) return { record, raised }
    const raisedLater = Docs.stopRequirements.decode(operation, later)
    return {
      record: Docs.stopRecord.decode(operation, later),
      raised: raisedLater.length > 0 ? raisedLater : raised,
    }
  }

  /** Every requirement of a run, decided or not, in the order they were raised. */
  const locateAll = async (operation: string, runId: string): Promise<Array<Located>> => {
    const [decisions, run, legacy] = await Promise.all([
      c.resolutions.find({ runId }).toArray(),
      readRun(operation, runId),
      Legacy.findRequirements(c, runId),
    ])
    const located: Array<Located> = []
    const decided = new Set<string>()
    const legacyDecisions = new Map<string, Docs.Stored>()
    for (const decision of decisions) {
      decided.add(decision._id)
      if (decision.requirement === undefined) legacyDecisions.set(decision._id, decision)
      else {
        const record = Docs.decidedRequirement.decode(operation, decision)
        located.push({ record, epoch: record.epoch, position: decision.position ?? 0 })
      }
    }
    run?.raised.forEach((record, position) => {
      if (!decided.has(record.id)) located.push({ record, epoch: record.epoch, position })
    })
    for (const document of legacy) {
      // Decided since this version read it: its decision holds the whole requirement.
      if (decided.has(document._id) && !legacyDecisions.has(document._id)) continue
      const record = Legacy.withDecision(operation, document, legacyDecisions.get(document._id))
      located.push({ record, epoch: record.epoch, position: document.position })
    }
    return located.sort(byRaise)
  }

  const locate = async (operation: string, runId: string, requirementId: string) =>
    (await locateAll(operation, runId)).find(({ record }) => record.id === requirementId)

  /** Inserts a batch's documents in order: a taken sequence number stops it, and is the race's answer. */
  const insertBatch = (operation: string, batch: JournalBatch, documents: Array<EventDocument>) =>
    Effect.tryPromise({
      try: () => c.events.insertMany(documents, { ordered: true }),
      catch: (cause) => {
        if (!isDuplicateKey(cause)) return storeError(operation, cause)
        const [refused] = cause instanceof MongoBulkWriteError ? [cause.writeErrors].flat() : []
        const event = batch.events[refused?.index ?? 0] ?? batch.events[0]
        return new EventSequenceConflict({ runId: batch.runId, seq: event?.seq ?? 0 })
      },
    })

  /** Encodes documents, an unencodable value failing the operation before anything is written. */
  const encode = <A>(operation: string, build: () => A) =>
    Effect.try({ try: build, catch: (cause) => storeError(operation, cause) })

  return {
    createRun: (run) =>
      Effect.flatMap(
        encode('createRun', () => runDocument('createRun', run, [])),
        (document) =>
          insert(
            'createRun',
            () => c.runs.insertOne({ _id: run.runId, ...document }),
            () => new RunAlreadyExists({ runId: run.runId }),
          ),
      ),
    getRun: (runId) =>
      attempt('getRun', async () => Option.fromNullable((await readRun('getRun', runId))?.record)),

    appendBatch: (batch) =>
      Effect.flatMap(
        encode('appendBatch', () => batchDocuments('appendBatch', batch)),
        (documents) => insertBatch('appendBatch', batch, documents),
      ),
    /*
     * Two writes: the batch, whose stop document holds everything the stop changes, then the
     * run's document for the queries. Readers take a stop they find past the run's document as
     * the run's state, so the stop is committed once the batch is in.
     */
    commit: (batch, run, raised) =>
      Effect.gen(function* () {
        // A stop that raises none keeps the last ones (decided, or left open by an ending): read
        // by the run's only writer, they go into both of its writes, so each alone is complete.
        const requirements =
          raised.length > 0
            ? raised
            : yield* attempt('commit', async () => (await readRun('commit', run.runId))?.raised ?? [])
        const [documents, runDocumentValue] = yield* encode(
          'commit',
          () =>
            [
              batchDocuments('commit', batch, { record: run, requirements }),
              runDocument('commit', run, requirements),
            ] as const,
        )
        yield* insertBatch('commit', batch, documents)
        yield* attempt('commit', () =>
          c.runs.updateOne({ _id: run.runId }, { $set: runDocumentValue }, { upsert: true }),
        )
      }),

    readEvents: (runId, afterSeq) =>
      attempt('readEvents', async () =>
        !(await hasEventAfter(runId, afterSeq))
          ? []
          : (
              await c.events
                .find({ runId, seq: { $gt: afterSeq } }, { projection: { schemaVersion: 1, doc: 1 } })
                .sort({ seq: 1 })
                .toArray()
            ).map((stored) => Docs.events.decode('readEvents', stored)),
      ),
    readTranscript: (runId) =>
      attempt('readTranscript', async () => {
        const operation = 'readTranscript'
        const batches = await c.events
          .find(
            { runId, transcriptStart: { $exists: true } },
            { projection: { schemaVersion: 1, transcriptStart: 1, messages: 1 } },
          )
          .sort({ seq: 1 })
          .toArray()
        // Messages before the first batch's were kept by version 1, as many as its record counted.
        const first = batches[0]?.transcriptStart
        const kept =
          typeof first === 'number'
            ? first
            : ((await readRun(operation, runId))?.record.transcriptLength ?? 0)
        return [
          ...(await Legacy.readTranscript(c, operation, runId, kept)),
          ...assembleTranscript(operation, runId, kept, batches),
        ]
      }),

    getRequirement: (runId, requirementId) =>
      attempt('getRequirement', async () =>
        Option.fromNullable((await locate('getRequirement', runId, requirementId))?.record),
      ),
    listRequirements: (runId) =>
      attempt('listRequirements', async () =>
        (await locateAll('listRequirements', runId)).map(({ record }) => record),
      ),

    /*
     * The insert of the decision under the requirement's id is the one write that decides: of
     * concurrent callers, across processes, the server lets exactly one through.
     */
    resolveRequirement: (runId, requirementId, resolution) =>
      Effect.gen(function* () {
        const operation = 'resolveRequirement'
        const found = yield* attempt(operation, () => locate(operation, runId, requirementId))
        if (found === undefined) return yield* new RequirementNotFound({ runId, requirementId })
        if (found.record.status !== 'pending') return yield* new RequirementAlreadyResolved({ requirementId })
        const resolved = new RequirementRecord({ ...found.record, status: 'resolved', resolution })
        const document = yield* encode(operation, () => ({
          _id: requirementId,
          schemaVersion,
          runId,
          resolvedAt: resolution.resolvedAt,
          doc: Docs.resolutions.encode(operation, requirementId, resolution),
          requirement: Docs.decidedRequirement.encode(operation, requirementId, resolved),
          epoch: found.epoch,
          position: found.position,
        }))
        yield* insert(
          operation,
          () => c.resolutions.insertOne(document),
          () => new RequirementAlreadyResolved({ requirementId }),
        )
        // Read back from the stored text: the caller gets a copy that shares nothing with its input.
        return Docs.decidedRequirement.decode(operation, document)
      }),
  }
}
