import {
  EventSequenceConflict,
  RequirementAlreadyResolved,
  RequirementNotFound,
  RunAlreadyExists,
  StoreError,
  type JournalBatch,
  type RequirementRecord,
  type Resolution,
  type RunRecord,
  type RunStore,
} from '@countersign/core'
import type Database from 'better-sqlite3'
import { Effect, Option } from 'effect'
import * as Docs from './documents.js'
import { prepare } from './statements.js'

export const reasonOf = (cause: unknown) =>
  cause instanceof Error
    ? 'code' in cause && typeof cause.code === 'string'
      ? `${cause.code}: ${cause.message}`
      : cause.message
    : String(cause)

/** Runs a synchronous database call; a StoreError it throws passes through, anything else becomes one. */
const attempt = <A>(operation: string, call: () => A): Effect.Effect<A, StoreError> =>
  Effect.try({
    try: call,
    catch: (cause) =>
      cause instanceof StoreError ? cause : new StoreError({ operation, reason: reasonOf(cause) }),
  })

/** Fails with `taken()` when an insert changed nothing: the database found its key already there. */
const insert = <E>(operation: string, write: () => Database.RunResult, taken: () => E) =>
  Effect.flatMap(attempt(operation, write), ({ changes }) =>
    changes === 0 ? Effect.fail(taken()) : Effect.void,
  )

/** The RunStore over an open database whose schema is current. */
export const makeRunStore = (db: Database.Database): RunStore => {
  const sql = prepare(db)

  const runRow = (operation: string, run: RunRecord) => ({
    runId: run.runId,
    agentId: run.agentId,
    userId: run.userId ?? null,
    status: run.status,
    updatedAt: run.updatedAt,
    doc: Docs.runs.encode(operation, Docs.key(run.runId), run),
  })

  /** Appends a batch; thrown inside a transaction, a taken sequence number rolls all of it back. */
  const append = (operation: string, { runId, events, transcriptStart, messages }: JournalBatch) => {
    for (const event of events) {
      const doc = Docs.events.encode(operation, Docs.key(runId, event.seq), event)
      if (sql.insertEvent.run(runId, event.seq, doc).changes === 0)
        throw new EventSequenceConflict({ runId, seq: event.seq })
    }
    messages.forEach((message, offset) => {
      const position = transcriptStart + offset
      sql.putMessage.run(runId, position, Docs.messages.encode(operation, Docs.key(runId, position), message))
    })
  }

  // Writes of several rows are immediate transactions: they take the write lock up front, so one
  // never fails halfway on another connection's lock, and a crash keeps all of it or none.
  const appendBatch = db.transaction((batch: JournalBatch) => append('appendBatch', batch))

  const commit = db.transaction(
    (batch: JournalBatch, run: RunRecord, requirements: ReadonlyArray<RequirementRecord>) => {
      append('commit', batch)
      for (const record of requirements) {
        const doc = Docs.requirements.encode('commit', Docs.key(record.id), record)
        const { id, runId, kind, status, createdAt } = record
        if (sql.putRequirement.run({ id, runId, kind, status, createdAt, doc }).changes === 0)
          throw new StoreError({
            operation: 'commit',
            reason: `requirement ${Docs.key(id)} is already stored`,
          })
      }
      sql.saveRun.run(runRow('commit', run))
    },
  )

  /** A batch's outcome: EventSequenceConflict is the answer of a race, not a failure of the store. */
  const write = (operation: string, call: () => void) =>
    Effect.try({
      try: call,
      catch: (cause) =>
        cause instanceof EventSequenceConflict || cause instanceof StoreError
          ? cause
          : new StoreError({ operation, reason: reasonOf(cause) }),
    })

  /** The resolved record, or why there is none; the decode check rolls a corrupt row's update back. */
  const resolve = db.transaction(
    (
      runId: string,
      requirementId: string,
      resolution: Resolution,
    ): RequirementRecord | 'missing' | 'taken' => {
      const operation = 'resolveRequirement'
      const json = Docs.resolutions.encode(operation, Docs.key(requirementId), resolution)
      const row = sql.resolveRequirement.get({ id: requirementId, runId, resolution: json })
      if (row !== undefined) return Docs.requirements.decode(operation, Docs.key(requirementId), row.doc)
      // Only a loser reads, and only to say why it lost.
      return sql.requirementStatus.get(requirementId, runId) === undefined ? 'missing' : 'taken'
    },
  )

  return {
    createRun: (run) =>
      insert(
        'createRun',
        () => sql.insertRun.run(runRow('createRun', run)),
        () => new RunAlreadyExists({ runId: run.runId }),
      ),
    getRun: (runId) =>
      attempt('getRun', () =>
        Option.fromNullable(sql.getRun.get(runId)).pipe(
          Option.map(({ doc }) => Docs.runs.decode('getRun', Docs.key(runId), doc)),
        ),
      ),

    appendBatch: (batch) => write('appendBatch', () => appendBatch.immediate(batch)),
    commit: (batch, run, requirements) => write('commit', () => commit.immediate(batch, run, requirements)),

    readTranscript: (runId) =>
      attempt('readTranscript', () =>
        sql.readTranscript.all(runId).map(({ position, doc }, index) => {
          // Batches append without gaps: a missing message is damage, not a shorter history.
          if (position !== index)
            throw new StoreError({
              operation: 'readTranscript',
              reason: `transcript of run ${Docs.key(runId)} has no message at position ${index}`,
            })
          return Docs.messages.decode('readTranscript', Docs.key(runId, position), doc)
        }),
      ),

    getRequirement: (runId, requirementId) =>
      attempt('getRequirement', () =>
        Option.fromNullable(sql.getRequirement.get(requirementId, runId)).pipe(
          Option.map(({ doc }) => Docs.requirements.decode('getRequirement', Docs.key(requirementId), doc)),
        ),
      ),
    listRequirements: (runId) =>
      attempt('listRequirements', () =>
        sql.listRequirements
          .all(runId)
          .map(({ id, doc }) => Docs.requirements.decode('listRequirements', Docs.key(id), doc)),
      ),
    resolveRequirement: (runId, requirementId, resolution) =>
      Effect.flatMap(
        attempt('resolveRequirement', () => resolve.immediate(runId, requirementId, resolution)),
        (outcome): Effect.Effect<RequirementRecord, RequirementNotFound | RequirementAlreadyResolved> =>
          outcome === 'missing'
            ? Effect.fail(new RequirementNotFound({ runId, requirementId }))
            : outcome === 'taken'
              ? Effect.fail(new RequirementAlreadyResolved({ requirementId }))
              : Effect.succeed(outcome),
      ),

    readEvents: (runId, afterSeq) =>
      attempt('readEvents', () =>
        sql.readEvents
          .all(runId, afterSeq)
          .map(({ seq, doc }) => Docs.events.decode('readEvents', Docs.key(runId, seq), doc)),
      ),
  }
}
