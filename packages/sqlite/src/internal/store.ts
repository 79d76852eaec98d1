import {
  EventSequenceConflict,
  RequirementAlreadyResolved,
  RequirementNotFound,
  RunAlreadyExists,
  RunClaimed,
  StoreError,
  type Message,
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

  // Writes of several rows are immediate transactions: they take the write lock up front, so one
  // never fails halfway on another connection's lock, and a crash keeps all of it or none.
  const appendTranscript = db.transaction((runId: string, start: number, chunk: ReadonlyArray<Message>) =>
    chunk.forEach((message, offset) => {
      const position = start + offset
      const doc = Docs.messages.encode('appendTranscript', Docs.key(runId, position), message)
      sql.putMessage.run(runId, position, doc)
    }),
  )

  const insertRequirements = db.transaction((records: ReadonlyArray<RequirementRecord>) => {
    for (const record of records) {
      const doc = Docs.requirements.encode('insertRequirements', Docs.key(record.id), record)
      const { id, runId, kind, status, createdAt } = record
      if (sql.putRequirement.run({ id, runId, kind, status, createdAt, doc }).changes === 0)
        // Thrown inside the transaction: the whole batch is rolled back.
        throw new StoreError({
          operation: 'insertRequirements',
          reason: `requirement ${Docs.key(id)} is already stored, resolved or for another run`,
        })
    }
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
    saveRun: (run) => attempt('saveRun', () => void sql.saveRun.run(runRow('saveRun', run))),

    appendTranscript: (runId, start, chunk) =>
      attempt('appendTranscript', () => appendTranscript.immediate(runId, start, chunk)),
    readTranscript: (runId, length) =>
      attempt('readTranscript', () => {
        const rows = sql.readTranscript.all(runId, length)
        // A committed transcript has no gaps: a missing message is damage, not a shorter history.
        if (rows.length !== length || rows.some((row, index) => row.position !== index))
          throw new StoreError({
            operation: 'readTranscript',
            reason: `transcript of run ${Docs.key(runId)} has ${rows.length} of its first ${length} messages`,
          })
        return rows.map(({ position, doc }) =>
          Docs.messages.decode('readTranscript', Docs.key(runId, position), doc),
        )
      }),

    insertRequirements: (records) =>
      attempt('insertRequirements', () => insertRequirements.immediate(records)),
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

    appendEvent: (event) =>
      insert(
        'appendEvent',
        () =>
          sql.insertEvent.run(
            event.runId,
            event.seq,
            Docs.events.encode('appendEvent', Docs.key(event.runId, event.seq), event),
          ),
        () => new EventSequenceConflict({ runId: event.runId, seq: event.seq }),
      ),
    readEvents: (runId, afterSeq) =>
      attempt('readEvents', () =>
        sql.readEvents
          .all(runId, afterSeq)
          .map(({ seq, doc }) => Docs.events.decode('readEvents', Docs.key(runId, seq), doc)),
      ),

    claimRun: (runId, epoch, owner) =>
      insert(
        'claimRun',
        () => sql.insertClaim.run(runId, epoch, owner),
        () => new RunClaimed({ runId, epoch }),
      ),
  }
}
