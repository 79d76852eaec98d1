import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  Message,
  maxJsonDepth,
  RequirementRecord,
  type RunEvent,
  RunEvent as RunEventSchema,
  RunRecord,
  RunStore,
  StoredText,
  StoreError,
} from '@countersign/core'
import {
  batchOf,
  describeStoreConformance,
  failureOf,
  readStoredRun,
  sampleEvents,
  sampleRequirement,
  sampleResolution,
  sampleRun,
  sampleTranscript,
  storedPausedRun,
} from '@countersign/core/testing'
import Database from 'better-sqlite3'
import { Effect, Either, Option, Schema } from 'effect'
import { afterEach, describe, expect, it } from 'vitest'
import { SqliteStore } from '../src/index.js'
import { pausedRun, writePausedRun } from './pausedRun.js'
import { tempDatabase } from './tempDatabase.js'

describeStoreConformance('SqliteStore', () => {
  const file = tempDatabase()
  const store = SqliteStore.make({ path: file.path })
  return Promise.resolve({
    store,
    close: () => {
      store.close()
      file.remove()
      return Promise.resolve()
    },
  })
})

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)

// Every test's files go, and every store it opened is closed, whatever the test's outcome.
const cleanups: Array<() => void> = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup()
})

const database = () => {
  const file = tempDatabase()
  cleanups.push(file.remove)
  return file
}

const open = (path?: string) => {
  const store = SqliteStore.make(path === undefined ? {} : { path })
  cleanups.push(store.close)
  return store
}

/** A second, raw connection to the file: how a test damages rows or reads what the store wrote. */
const raw = (path: string) => {
  const db = new Database(path)
  cleanups.push(() => db.close())
  return db
}

describe('SqliteStore: durability', () => {
  it('a paused run reads back the same after the store is closed and the file reopened', async () => {
    const { path } = database()
    const paused = pausedRun('run-reopened')
    const first = open(path)
    await run(writePausedRun(first, paused))
    first.close()

    const second = open(path)

    expect(await run(readStoredRun(second, paused.runId))).toStrictEqual(storedPausedRun(paused))
  })

  it('decisions and sequence numbers taken before a reopen stay taken', async () => {
    const { path } = database()
    const paused = pausedRun('run-taken')
    const first = open(path)
    await run(writePausedRun(first, paused))
    first.close()
    const second = open(path)

    const decision = await failureOf(
      second.resolveRequirement(paused.runId, paused.requirements[0]!.id, sampleResolution('mallory')),
    )
    const event = await failureOf(
      second.appendBatch(batchOf(paused.runId, [{ ...paused.events[0]!, at: 1 }])),
    )
    const created = await failureOf(second.createRun(sampleRun(paused.runId)))

    expect(decision).toMatchObject({ _tag: 'RequirementAlreadyResolved' })
    expect(event).toMatchObject({ _tag: 'EventSequenceConflict', runId: paused.runId, seq: 1 })
    expect(created).toMatchObject({ _tag: 'RunAlreadyExists', runId: paused.runId })
  })

  it('two stores on one file see each other: the database, not the process, picks the one winner', async () => {
    const { path } = database()
    const [a, b] = [open(path), open(path)]
    const paused = pausedRun('run-shared')
    await run(writePausedRun(a, paused))
    const pending = paused.requirements[1]!

    const won = await run(b.resolveRequirement(paused.runId, pending.id, sampleResolution('grace')))
    const lost = await failureOf(a.resolveRequirement(paused.runId, pending.id, sampleResolution('ada')))
    const claim = (store: RunStore) =>
      store.appendBatch(batchOf(paused.runId, [{ _tag: 'RunContinued', runId: paused.runId, seq: 6, at: 1 }]))
    await run(claim(a))
    const claimLost = await failureOf(claim(b))

    expect(won.resolution?.resolvedBy.id).toBe('grace')
    expect(lost).toMatchObject({ _tag: 'RequirementAlreadyResolved', requirementId: pending.id })
    expect(claimLost).toMatchObject({ _tag: 'EventSequenceConflict', runId: paused.runId, seq: 6 })
  })

  it('uses the write-ahead log, and keeps one row per record with the indexed fields beside it', async () => {
    const { path } = database()
    const store = open(path)
    const paused = pausedRun('run-columns')
    await run(writePausedRun(store, paused))

    const db = raw(path)
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.pragma('user_version', { simple: true })).toBe(SqliteStore.schemaVersion)
    expect(db.prepare('SELECT run_id, agent_id, user_id, status FROM runs').all()).toStrictEqual([
      { run_id: 'run-columns', agent_id: 'refund-agent', user_id: 'user-ada', status: 'paused' },
    ])
    expect(db.prepare('SELECT id, position, status FROM requirements ORDER BY position').all()).toStrictEqual(
      [
        { id: 'run-columns-a', position: 1, status: 'resolved' },
        { id: 'run-columns-b', position: 2, status: 'pending' },
      ],
    )
  })
})

describe('SqliteStore: opening', () => {
  it('defaults to .countersign/countersign.db under the current directory, creating the directory', () => {
    const { directory } = database()
    const previous = process.cwd()
    process.chdir(directory)
    try {
      const store = open()
      expect(store.path).toBe(join(process.cwd(), '.countersign', 'countersign.db'))
      expect(store.path).toBe(SqliteStore.defaultPath())
    } finally {
      process.chdir(previous)
    }
  })

  it('creates missing directories on the way to the file', async () => {
    const { directory } = database()
    const store = open(join(directory, 'a', 'b', 'runs.db'))

    await run(store.createRun(sampleRun('run-nested')))

    expect(Option.isSome(await run(store.getRun('run-nested')))).toBe(true)
  })

  it('refuses a database written by a newer schema version, leaving it as it was', () => {
    const { path } = database()
    open(path).close()
    raw(path).pragma(`user_version = ${SqliteStore.schemaVersion + 1}`)

    expect(() => SqliteStore.make({ path })).toThrow(StoreError)
    expect(() => SqliteStore.make({ path })).toThrow(/newer than this version/)
    expect(raw(path).pragma('user_version', { simple: true })).toBe(SqliteStore.schemaVersion + 1)
  })

  it("with synchronous: 'normal', keeps what it stored across a reopen; a mode it does not know is a StoreError", async () => {
    const { path } = database()
    const store = SqliteStore.make({ path, synchronous: 'normal' })
    const paused = pausedRun('run-normal')
    await run(writePausedRun(store, paused))
    store.close()

    expect(await run(readStoredRun(open(path), 'run-normal'))).toStrictEqual(storedPausedRun(paused))
    expect(() =>
      SqliteStore.make({ path, synchronous: 'OFF' as unknown as SqliteStore.Synchronous }),
    ).toThrow(StoreError)
  })

  it('refuses a file that is not a database with a StoreError', () => {
    const { path } = database()
    writeFileSync(path, 'not a database, just some text that is long enough to have a header '.repeat(20))

    expect(() => SqliteStore.make({ path })).toThrow(StoreError)
  })

  it('as a layer, provides the RunStore and closes the file when its scope ends', async () => {
    const { path } = database()
    let kept: RunStore | undefined

    await run(
      Effect.gen(function* () {
        kept = yield* RunStore
        yield* kept.createRun(sampleRun('run-layer'))
      }).pipe(Effect.provide(SqliteStore.layer({ path }))),
    )

    expect(await failureOf(kept!.getRun('run-layer'))).toMatchObject({
      _tag: 'StoreError',
      operation: 'getRun',
    })
    expect(Option.isSome(await run(open(path).getRun('run-layer')))).toBe(true)
  })
})

describe('SqliteStore: damage is a StoreError naming the row, not a crash', () => {
  const damaged = async () => {
    const { path } = database()
    const store: RunStore = open(path)
    await run(writePausedRun(store, pausedRun('run-damaged')))
    return { store, db: raw(path) }
  }

  it('a run whose document no longer decodes', async () => {
    const { store, db } = await damaged()
    db.prepare(`UPDATE runs SET doc = json_set(doc, '$.status', 'sleeping') WHERE run_id = ?`).run(
      'run-damaged',
    )

    const error = await failureOf(store.getRun('run-damaged'))

    expect(error).toMatchObject({ _tag: 'StoreError', operation: 'getRun' })
    expect(error.reason).toContain('runs row "run-damaged" is corrupt')
    expect(error.reason).toContain('sleeping')
  })

  it('an event whose document is not JSON', async () => {
    const { store, db } = await damaged()
    db.prepare(`UPDATE events SET doc = '{"_tag": "RunStar' WHERE run_id = ? AND seq = 3`).run('run-damaged')

    const error = await failureOf(store.readEvents('run-damaged', 0))

    expect(error).toMatchObject({ _tag: 'StoreError', operation: 'readEvents' })
    expect(error.reason).toContain('events row ("run-damaged", 3) is corrupt')
    // Reading past the damage still works: one bad row fails only the reads that include it.
    expect(await run(store.readEvents('run-damaged', 3))).toHaveLength(2)
  })

  it('a requirement that no longer decodes, and a decision on it is rolled back', async () => {
    const { store, db } = await damaged()
    db.prepare(`UPDATE requirements SET doc = json_remove(doc, '$.toolCall') WHERE id = ?`).run(
      'run-damaged-b',
    )

    const listed = await failureOf(store.listRequirements('run-damaged'))
    const resolved = await failureOf(
      store.resolveRequirement('run-damaged', 'run-damaged-b', sampleResolution('grace')),
    )

    expect(listed.reason).toContain('requirements row "run-damaged-b" is corrupt')
    expect(resolved).toMatchObject({ _tag: 'StoreError', operation: 'resolveRequirement' })
    const row = db.prepare('SELECT status FROM requirements WHERE id = ?').get('run-damaged-b')
    expect(row).toStrictEqual({ status: 'pending' })
  })

  it('a transcript with a committed message missing', async () => {
    const { store, db } = await damaged()
    db.prepare('DELETE FROM transcript WHERE run_id = ? AND position = 0').run('run-damaged')

    const error = await failureOf(store.readTranscript('run-damaged'))

    expect(error).toMatchObject({ _tag: 'StoreError', operation: 'readTranscript' })
    expect(error.reason).toContain('has no message at position 0')
  })

  it('a closed store fails every call with StoreError', async () => {
    const { path } = database()
    const store = open(path)
    store.close()

    const errors = await Promise.all([
      failureOf(store.getRun('run-x')),
      failureOf(
        store.appendBatch(batchOf('run-x', sampleEvents('run-x').slice(0, 1), 0, sampleTranscript())),
      ),
      failureOf(store.commit(batchOf('run-x', sampleEvents('run-x').slice(0, 1)), sampleRun('run-x'), [])),
      failureOf(store.readTranscript('run-x')),
    ])

    expect(errors.map((error) => error._tag)).toStrictEqual(Array(4).fill('StoreError'))
  })
})

describe('SqliteStore: bad writes change nothing', () => {
  it('a commit raising a requirement id already stored is refused whole', async () => {
    const { path } = database()
    const store = open(path)
    const paused = pausedRun('run-batch')
    await run(writePausedRun(store, paused))
    const decided = paused.requirements[0]!
    const [user] = sampleTranscript()

    const error = await failureOf(
      store.commit(
        batchOf(
          paused.runId,
          [{ _tag: 'RunPaused', runId: paused.runId, seq: 6, at: 1, requirements: [] }],
          2,
          [user!],
        ),
        sampleRun(paused.runId, { status: 'paused', lastSeq: 6 }),
        [sampleRequirement(paused.runId, 'req-new'), decided],
      ),
    )

    expect(error).toMatchObject({ _tag: 'StoreError', operation: 'commit' })
    expect(await run(readStoredRun(store, paused.runId))).toStrictEqual(storedPausedRun(paused))
  })

  it('a claim refused for its sequence number records none of the decisions it carries', async () => {
    const { path } = database()
    const store = open(path)
    const paused = pausedRun('run-claimed')
    await run(writePausedRun(store, paused))
    // The first is decided already: the second is still open.
    const pending = paused.requirements[1]!
    const taken = paused.record.lastSeq

    const error = await failureOf(
      store.appendBatch({
        ...batchOf(paused.runId, [{ _tag: 'RunContinued', runId: paused.runId, seq: taken, at: 1 }]),
        decisions: [{ requirementId: pending.id, resolution: sampleResolution('grace') }],
      }),
    )

    expect(error).toMatchObject({ _tag: 'EventSequenceConflict', runId: paused.runId, seq: taken })
    expect(await run(readStoredRun(store, paused.runId))).toStrictEqual(storedPausedRun(paused))
  })

  it('a run created with a first batch that cannot be stored is not created', async () => {
    const { path } = database()
    const store = open(path)
    const created = sampleRun('run-unwritten')
    const [user] = sampleTranscript()

    const error = await failureOf(
      store.createRun(
        created,
        batchOf(created.runId, sampleEvents(created.runId).slice(0, 1), 0, [
          user!,
          { _tag: 'Tool', toolCallId: 'c', toolName: 't', outcome: 'completed', content: '', result: 10n },
        ]),
      ),
    )

    expect(error).toMatchObject({ _tag: 'StoreError', operation: 'createRun' })
    expect(Option.isNone(await run(store.getRun(created.runId)))).toBe(true)
    expect(raw(path).prepare('SELECT count(*) AS n FROM events').get()).toStrictEqual({ n: 0 })
  })

  it('a value JSON cannot hold is a StoreError, and nothing of the batch is written', async () => {
    const { path } = database()
    const store = open(path)
    const [user] = sampleTranscript()

    const error = await failureOf(
      store.appendBatch(
        batchOf('run-bad', sampleEvents('run-bad').slice(0, 1), 0, [
          user!,
          { _tag: 'Tool', toolCallId: 'c', toolName: 't', outcome: 'completed', content: '', result: 10n },
        ]),
      ),
    )

    expect(error).toMatchObject({ _tag: 'StoreError', operation: 'appendBatch' })
    expect(error._tag === 'StoreError' && error.reason).toContain('transcript row ("run-bad", 1)')
    expect(raw(path).prepare('SELECT count(*) AS n FROM transcript').get()).toStrictEqual({ n: 0 })
    expect(raw(path).prepare('SELECT count(*) AS n FROM events').get()).toStrictEqual({ n: 0 })
  })
})

/*
 * The writes of a pause and a resume take shortcuts: a batch's rows go in one statement each, and
 * the engine's records are written as their own JSON rather than walked through their Schemas.
 * What is stored, and what is refused, stays what the Schemas and the sequence numbers decide.
 */

const rowCount = (db: Database.Database, table: string) =>
  db.prepare(`SELECT count(*) FROM ${table}`).pluck().get()

/** A JSON array nested `levels` deep: `[[[…]]]`. */
const nested = (levels: number): unknown => (levels === 0 ? 'bottom' : [nested(levels - 1)])

describe('SqliteStore: a batch in one statement', () => {
  it('a batch whose later event has its sequence number taken is refused naming that number, and writes nothing', async () => {
    const { path } = database()
    const store = open(path)
    const db = raw(path)
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
    const store = open(database().path)
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
    const { path } = database()
    const store = open(path)
    const db = raw(path)
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
    const { path } = database()
    const store = open(path)
    const db = raw(path)
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
    const { path } = database()
    const store = open(path)
    const db = raw(path)

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
      [RunRecord, RunEventSchema, Message, RequirementRecord].map(({ ast }) =>
        StoredText.encodesAsItself(ast),
      ),
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
    expect(schemas.map(({ ast }) => StoredText.encodesAsItself(ast))).toStrictEqual(schemas.map(() => false))
  })
})
