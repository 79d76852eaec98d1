import { sampleRequirement, sampleResolution, sampleRun, sampleTranscript } from '@countersign/core/testing'
import { Option } from 'effect'
import type { CommandStartedEvent, Db } from 'mongodb'
import { describe, expect, it } from 'vitest'
import type { MongoStore } from '../src/index.js'
import { collectionsOf } from '../src/internal/collections.js'
import { failureOf, run } from './effects.js'
import { mongoTestKit } from './mongo.js'
import { pausedRun, writePausedRun } from './pausedRun.js'

const mongo = mongoTestKit()

/** A fresh database, and a store over it through the shared client. */
const fresh = async (options: MongoStore.Options = {}) => {
  const dbName = mongo.freshDatabase()
  const client = await mongo.client()
  const store = await mongo.open({ client, dbName, ...options })
  return { store, db: client.db(dbName) }
}

/** Each queried collection's indexes: name, key fields in order, uniqueness. (Claims are only inserted: `_id` is their one key.) */
const indexesOf = async (db: Db) => {
  const names = ['runs', 'transcript', 'requirements', 'resolutions', 'events']
  const listed = await Promise.all(
    names.map(async (name) =>
      (await db.collection(name).listIndexes().toArray())
        .map((index) => index as { name: string; key: object; unique?: boolean })
        .map((index) => ({ name: index.name, key: Object.entries(index.key), unique: index.unique === true }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    ),
  )
  return Object.fromEntries(names.map((name, i) => [name, listed[i]]))
}

const id = { name: '_id_', key: [['_id', 1]], unique: false }
const expectedIndexes = {
  runs: [
    id,
    {
      name: 'runs_by_status',
      key: [
        ['status', 1],
        ['updatedAt', -1],
      ],
      unique: false,
    },
    {
      name: 'runs_by_user_status',
      key: [
        ['userId', 1],
        ['status', 1],
        ['updatedAt', -1],
      ],
      unique: false,
    },
  ],
  transcript: [
    id,
    {
      name: 'transcript_by_run',
      key: [
        ['runId', 1],
        ['start', 1],
      ],
      unique: true,
    },
  ],
  requirements: [
    id,
    {
      name: 'requirements_by_run',
      key: [
        ['runId', 1],
        ['position', 1],
      ],
      unique: true,
    },
    {
      name: 'requirements_pending',
      key: [
        ['status', 1],
        ['kind', 1],
        ['createdAt', -1],
      ],
      unique: false,
    },
  ],
  resolutions: [id, { name: 'resolutions_by_run', key: [['runId', 1]], unique: false }],
  events: [
    id,
    {
      name: 'events_by_run',
      key: [
        ['runId', 1],
        ['seq', 1],
      ],
      unique: true,
    },
  ],
}

describe('MongoStore: indexes', () => {
  it('ensureIndexes creates an index for every query the API makes, and calling it again changes nothing', async () => {
    const { store, db } = await fresh({ ensureIndexes: false })
    expect(await db.listCollections().toArray()).toStrictEqual([])

    await run(store.ensureIndexes())
    const created = await indexesOf(db)
    await run(store.ensureIndexes())

    expect(created).toStrictEqual(expectedIndexes)
    expect(await indexesOf(db)).toStrictEqual(expectedIndexes)
  })

  it('make creates the indexes by default, also over a database that has them and holds runs', async () => {
    const dbName = mongo.freshDatabase()
    const client = await mongo.client()
    const first = await mongo.open({ client, dbName })
    await run(writePausedRun(first, pausedRun('run-indexed')))

    await mongo.open({ client, dbName })

    expect(await indexesOf(client.db(dbName))).toStrictEqual(expectedIndexes)
  })
})

describe('MongoStore: documents', () => {
  it('a paused run is kept in small documents, each with its schema version and the fields queries use', async () => {
    const { store, db } = await fresh()
    const paused = pausedRun('run-layout')
    await run(writePausedRun(store, paused))
    const [decided, open] = paused.requirements

    const c = collectionsOf(db)
    // Records are JSON text (see collections.ts): the fields beside them are what queries use.
    const text = <D extends { doc: unknown }>({ doc, ...fields }: D) => ({ ...fields, doc: typeof doc })
    expect((await c.runs.find().toArray()).map(text)).toStrictEqual([
      {
        _id: 'run-layout',
        schemaVersion: 1,
        agentId: 'refund-agent',
        userId: 'user-ada',
        status: 'paused',
        updatedAt: paused.record.updatedAt,
        doc: 'string',
      },
    ])
    expect(
      (await c.transcript.find().sort({ start: 1 }).toArray()).map(({ messages, ...fields }) => ({
        ...fields,
        messages: typeof messages,
      })),
    ).toStrictEqual([
      { _id: 'run-layout:0', schemaVersion: 1, runId: 'run-layout', start: 0, count: 2, messages: 'string' },
      { _id: 'run-layout:2', schemaVersion: 1, runId: 'run-layout', start: 2, count: 4, messages: 'string' },
    ])
    const requirement = (id: string, position: number, status: string) => ({
      _id: id,
      schemaVersion: 1,
      runId: 'run-layout',
      position,
      kind: 'approval',
      status,
      createdAt: decided!.createdAt,
      doc: 'string',
    })
    expect((await c.requirements.find().sort({ position: 1 }).toArray()).map(text)).toStrictEqual([
      requirement(decided!.id, 1, 'resolved'),
      requirement(open!.id, 2, 'pending'),
    ])
    expect((await c.resolutions.find().toArray()).map(text)).toStrictEqual([
      {
        _id: decided!.id,
        schemaVersion: 1,
        runId: 'run-layout',
        resolvedAt: paused.resolution.resolvedAt,
        doc: 'string',
      },
    ])
    expect(
      (await c.events.find().sort({ seq: 1 }).toArray()).map(({ _id, runId, seq }) => [_id, runId, seq]),
    ).toStrictEqual(paused.events.map(({ seq }) => [`run-layout:${seq}`, 'run-layout', seq]))
    expect(
      (await c.claims.find().toArray()).map(({ at, ...fields }) => ({ ...fields, at: at instanceof Date })),
    ).toStrictEqual([
      { _id: 'run-layout:1', schemaVersion: 1, runId: 'run-layout', epoch: 1, owner: 'engine-a', at: true },
    ])
  })

  it('each append writes only its own messages, and no write of the run record carries the transcript (invariant 8)', async () => {
    const dbName = mongo.freshDatabase()
    const client = await mongo.newClient({ monitorCommands: true })
    const store = await mongo.open({ client, dbName })
    const commands: Array<CommandStartedEvent> = []
    client.on('commandStarted', (event) => commands.push(event))
    const transcript = sampleTranscript()
    const record = sampleRun('run-growing')
    await run(store.createRun(record))

    for (const [start, end] of [
      [0, 2],
      [2, 3],
      [3, 6],
    ] as const) {
      await run(store.appendTranscript(record.runId, start, transcript.slice(start, end)))
      await run(store.saveRun({ ...record, transcriptLength: end }))
    }

    type Update = { update?: unknown; updates: Array<{ u: { start?: number; count?: number } }> }
    const writesTo = (collection: string) =>
      commands
        .filter((event) => event.commandName === 'update')
        .map((event) => event.command as Update)
        .filter((command) => command.update === collection)
    const chunkWrites = writesTo('transcript').flatMap((command) =>
      command.updates.map(({ u }) => [u.start, u.count]),
    )
    expect(chunkWrites).toStrictEqual([
      [0, 2],
      [2, 1],
      [3, 3],
    ])
    const runWrites = writesTo('runs').map((command) => JSON.stringify(command))
    expect(runWrites).toHaveLength(3)
    for (const message of transcript)
      for (const written of runWrites) expect(written).not.toContain(JSON.stringify(message.content))
    expect(await run(store.readTranscript(record.runId, 6))).toHaveLength(6)
  })

  it('a decision whose requirement copy was never updated (a crash between the two writes) still reads as decided', async () => {
    const { store, db } = await fresh()
    const requirement = sampleRequirement('run-crashed', 'req-crashed')
    await run(store.insertRequirements([requirement]))
    const before = await db.collection('requirements').findOne({ _id: 'req-crashed' as never })
    const resolution = sampleResolution('grace')
    await run(store.resolveRequirement('run-crashed', requirement.id, resolution))
    // Put the requirement back as the insert of the decision left it.
    await db.collection('requirements').replaceOne({ _id: 'req-crashed' as never }, before!)

    const read = await run(store.getRequirement('run-crashed', requirement.id))
    const [listed] = await run(store.listRequirements('run-crashed'))
    const again = await failureOf(
      store.resolveRequirement('run-crashed', requirement.id, sampleResolution('mallory')),
    )

    expect(Option.getOrThrow(read)).toMatchObject({
      status: 'resolved',
      resolution: { resolvedBy: { id: 'grace' } },
    })
    expect(listed).toMatchObject({ status: 'resolved', resolution: { resolvedBy: { id: 'grace' } } })
    expect(again).toMatchObject({ _tag: 'RequirementAlreadyResolved', requirementId: requirement.id })
  })
})
