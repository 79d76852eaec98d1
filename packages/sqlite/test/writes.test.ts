import {
  Message,
  maxJsonDepth,
  RequirementRecord,
  type RunEvent,
  RunEvent as RunEventSchema,
  RunRecord,
  StoredText,
} from '@countersign/core'
import { batchOf, failureOf, sampleEvents, sampleTranscript } from '@countersign/core/testing'
import Database from 'better-sqlite3'
import { Effect, Either, Option, Schema } from 'effect'
import { afterEach, describe, expect, it } from 'vitest'
import { SqliteStore } from '../src/index.js'
import { encodesAsItself } from '../src/internal/encodesAsItself.js'
import { pausedRun, writePausedRun } from './pausedRun.js'
import { tempDatabase } from './tempDatabase.js'

/*
 * The writes of a pause and a resume take shortcuts: a batch's rows go in one statement each, and
 * the engine's records are written as their own JSON rather than walked through their Schemas.
 * What is stored, and what is refused, stays what the Schemas and the sequence numbers decide.
 */

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup()
})

const opened = () => {
  const file = tempDatabase()
  const store = SqliteStore.make({ path: file.path })
  const db = new Database(file.path)
  cleanups.push(file.remove, store.close, () => db.close())
  return { store, db }
}

const rowCount = (db: Database.Database, table: string) =>
  db.prepare(`SELECT count(*) FROM ${table}`).pluck().get()

/** A JSON array nested `levels` deep: `[[[…]]]`. */
const nested = (levels: number): unknown => (levels === 0 ? 'bottom' : [nested(levels - 1)])

describe('SqliteStore: a batch in one statement', () => {
  it('a batch whose later event has its sequence number taken is refused naming that number, and writes nothing', async () => {
    const { store, db } = opened()
    const events = sampleEvents('run-gap').slice(0, 6)
    await run(store.appendBatch(batchOf('run-gap', events.slice(0, 3))))
    // A broken writer's event past the end: the next batch's third event lands on it.
    db.prepare('INSERT INTO events (run_id, seq, doc) VALUES (?, ?, ?)').run(
      'run-gap',
      6,
      JSON.stringify(events[5]),
    )
    const [user] = sampleTranscript()

    const error = await failureOf(store.appendBatch(batchOf('run-gap', events.slice(3, 6), 0, [user!])))

    expect(error).toMatchObject({ _tag: 'EventSequenceConflict', runId: 'run-gap', seq: 6 })
    expect(
      db.prepare(`SELECT seq FROM events WHERE run_id = 'run-gap' ORDER BY seq`).pluck().all(),
    ).toStrictEqual([1, 2, 3, 6])
    expect(rowCount(db, 'transcript')).toBe(0)
  })

  it('a batch of more rows than one statement takes is stored whole, in order', async () => {
    const { store } = opened()
    const samples = sampleEvents('run-long')
    const events: Array<RunEvent> = Array.from({ length: 75 }, (_, index) => ({
      ...samples[index % samples.length]!,
      seq: index + 1,
    }))
    const transcript = sampleTranscript()
    const messages = Array.from({ length: 40 }, (_, index) => transcript[index % transcript.length]!)

    await run(store.appendBatch(batchOf('run-long', events, 0, messages)))

    expect(await run(store.readEvents('run-long', 0))).toStrictEqual(events)
    expect(await run(store.readTranscript('run-long'))).toStrictEqual(messages)
  })
})

describe("SqliteStore: the engine's records written as themselves", () => {
  it('stores for each record what its Schema encodes it as', async () => {
    const { store, db } = opened()
    const paused = pausedRun('run-text')
    await run(writePausedRun(store, paused))

    const encoded = <A, I>(schema: Schema.Schema<A, I>, value: A) =>
      JSON.parse(Either.getOrThrow(StoredText.codec(schema).encode(value))) as unknown
    const stored = (sql: string) =>
      db
        .prepare(sql)
        .pluck()
        .all('run-text')
        .map((doc) => JSON.parse(doc as string) as unknown)

    expect(stored('SELECT doc FROM runs WHERE run_id = ?')).toStrictEqual([encoded(RunRecord, paused.record)])
    expect(stored('SELECT doc FROM events WHERE run_id = ? ORDER BY seq')).toStrictEqual(
      paused.events.map((event) => encoded(RunEventSchema, event)),
    )
    expect(stored('SELECT doc FROM transcript WHERE run_id = ? ORDER BY position')).toStrictEqual(
      paused.transcript.map((message) => encoded(Message, message)),
    )
    // The second requirement as the pause wrote it (the first was decided since).
    expect(stored(`SELECT doc FROM requirements WHERE run_id = ? AND status = 'pending'`)).toStrictEqual([
      encoded(RequirementRecord, paused.requirements[1]!),
    ])
  })

  it('a tool result nested deeper than a JSON value may is a StoreError naming the row, and nothing is written', async () => {
    const { store, db } = opened()
    const [user] = sampleTranscript()
    const tooDeep = nested(maxJsonDepth + 1)

    const inMessage = await failureOf(
      store.appendBatch(
        batchOf('run-deep', sampleEvents('run-deep').slice(0, 1), 0, [
          user!,
          {
            _tag: 'Tool',
            toolCallId: 'c',
            toolName: 't',
            outcome: 'completed',
            content: '',
            result: tooDeep,
          },
        ]),
      ),
    )
    const inEvent = await failureOf(
      store.appendBatch(
        batchOf('run-deep', [
          {
            _tag: 'ToolCallCompleted',
            runId: 'run-deep',
            seq: 1,
            at: 1,
            toolCallId: 'c',
            toolName: 't',
            result: tooDeep,
          },
        ]),
      ),
    )

    expect(inMessage).toMatchObject({ _tag: 'StoreError', operation: 'appendBatch' })
    expect(inMessage._tag === 'StoreError' && inMessage.reason).toContain('transcript row ("run-deep", 1)')
    expect(inEvent).toMatchObject({ _tag: 'StoreError', operation: 'appendBatch' })
    expect(inEvent._tag === 'StoreError' && inEvent.reason).toContain('events row ("run-deep", 1)')
    expect([rowCount(db, 'events'), rowCount(db, 'transcript')]).toStrictEqual([0, 0])
  })

  it('a number JSON has no text for is a StoreError, not a null stored in its place', async () => {
    const { store, db } = opened()

    const error = await failureOf(
      store.appendBatch(
        batchOf('run-nan', [
          {
            _tag: 'ToolCallCompleted',
            runId: 'run-nan',
            seq: 1,
            at: 1,
            toolCallId: 'c',
            toolName: 't',
            result: { total: Number.NaN },
          },
        ]),
      ),
    )

    expect(error).toMatchObject({ _tag: 'StoreError', operation: 'appendBatch' })
    expect(rowCount(db, 'events')).toBe(0)
    expect(Option.isNone(await run(store.getRun('run-nan')))).toBe(true)
  })
})

describe('encodesAsItself', () => {
  it("holds for the engine's records", () => {
    expect(
      [RunRecord, RunEventSchema, Message, RequirementRecord].map(({ ast }) => encodesAsItself(ast)),
    ).toStrictEqual([true, true, true, true])
  })

  it('fails for a Schema with a transformed field, wherever the field is', () => {
    class Dated extends Schema.Class<Dated>('Dated')({ at: Schema.Date }) {}
    class Defaulted extends Schema.Class<Defaulted>('Defaulted')({
      count: Schema.optionalWith(Schema.Number, { default: () => 0 }),
    }) {}
    const schemas = [
      Schema.DateFromString,
      Schema.Struct({ maybe: Schema.OptionFromNullOr(Schema.String) }),
      Schema.Array(Schema.Struct({ at: Schema.Date })),
      Schema.Union(Schema.String, Schema.NumberFromString),
      Dated,
      Defaulted,
    ]
    expect(schemas.map(({ ast }) => encodesAsItself(ast))).toStrictEqual(schemas.map(() => false))
  })
})
