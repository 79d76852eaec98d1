import { RunRecord, type RunStore } from '@countersign/core'
import { sampleRun } from '@countersign/core/testing'
import { Schema } from 'effect'
import type { Db } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { collectionsOf, type RunDocument } from '../src/internal/collections.js'
import { run } from './effects.js'
import { mongoTestKit } from './mongo.js'

/*
 * `runs` documents written before `listRuns` have no `createdAt` nor `parentRunId` beside their
 * record: a store backfills them at start, once per database, as SQLite's schema 4 copied them
 * into columns.
 */

const mongo = mongoTestKit()
const T = 1_767_225_600_000

/** The runs of `records` stored as a version before `listRuns` wrote them: no copies of the two fields. */
const writeAsBefore = async (db: Db, records: ReadonlyArray<RunRecord>) => {
  await collectionsOf(db).runs.insertMany(
    records.map((record): RunDocument => ({
      _id: record.runId,
      schemaVersion: 2,
      agentId: record.agentId,
      ...(record.userId === undefined ? {} : { userId: record.userId }),
      status: record.status,
      updatedAt: record.updatedAt,
      doc: JSON.stringify(Schema.encodeSync(RunRecord)(record)),
    })),
  )
}

/** A database holding three runs as the old version wrote them: two roots, and a member of the first. */
const oldDatabase = async () => {
  const dbName = mongo.freshDatabase()
  const db = (await mongo.client()).db(dbName)
  const [older, newer] = [
    sampleRun('run-older', { createdAt: T + 10, userId: 'ada' }),
    sampleRun('run-newer', { createdAt: T + 20, userId: 'ada' }),
  ]
  const member = sampleRun('run-member', { createdAt: T + 15, userId: 'ada', parentRunId: older.runId })
  await writeAsBefore(db, [older, member, newer])
  return { dbName, db, older, newer, member }
}

const open = async (dbName: string, options: { readonly migrate?: boolean } = {}) =>
  mongo.open({ client: await mongo.client(), dbName, ...options })

const listed = async (store: RunStore) => {
  const page = await run(store.listRuns({ userId: 'ada', offset: 0, limit: 10 }))
  return { ids: page.runs.map(({ runId }) => runId), total: page.total }
}

const fieldsOf = async (db: Db) =>
  Object.fromEntries(
    (await collectionsOf(db).runs.find().sort({ _id: 1 }).toArray()).map(
      ({ _id, createdAt, parentRunId }) => [_id, { createdAt, parentRunId }],
    ),
  )

describe('MongoStore: runs documents written before listRuns', () => {
  it('are backfilled at start: listRuns lists the root runs only, newest first', async () => {
    const { dbName, db, older, newer, member } = await oldDatabase()
    // Without the backfill the member passes for a root run, and nothing orders them.
    const unmigrated = await open(dbName, { migrate: false })
    expect((await listed(unmigrated)).total).toBe(3)

    const store = await open(dbName)

    expect(await fieldsOf(db)).toStrictEqual({
      'run-member': { createdAt: member.createdAt, parentRunId: older.runId },
      'run-newer': { createdAt: newer.createdAt, parentRunId: undefined },
      'run-older': { createdAt: older.createdAt, parentRunId: undefined },
    })
    expect(await listed(store)).toStrictEqual({ ids: [newer.runId, older.runId], total: 2 })
    expect(await collectionsOf(db).migrations.find().sort({ _id: 1 }).toArray()).toMatchObject([
      { _id: 'runs-created-at-and-parent' },
      { _id: 'runs-input-and-content' },
    ])
  })

  it("are given copies of their input and answer at start: listRuns's search finds them", async () => {
    const { dbName, db, newer } = await oldDatabase()
    await collectionsOf(db).runs.updateOne(
      { _id: newer.runId },
      {
        $set: {
          doc: JSON.stringify(
            Schema.encodeSync(RunRecord)(
              new RunRecord({ ...newer, status: 'completed', content: 'Refunded the TEAPOT' }),
            ),
          ),
        },
      },
    )
    const search = (store: RunStore, text: string) =>
      run(store.listRuns({ userId: 'ada', search: text, offset: 0, limit: 10 }))
    // Without the backfill only the id and the agent are found.
    const unmigrated = await open(dbName, { migrate: false })
    expect((await search(unmigrated, 'teapot')).total).toBe(0)

    const store = await open(dbName)

    expect((await search(store, 'teapot')).runs.map(({ runId }) => runId)).toStrictEqual([newer.runId])
    expect((await search(store, 'arrived BROKEN')).total).toBe(2)
  })

  it('a document whose record does not decode is left as it is, and the start goes on', async () => {
    const { dbName, db } = await oldDatabase()
    await collectionsOf(db).runs.insertOne({
      _id: 'run-broken',
      schemaVersion: 2,
      agentId: 'refund-agent',
      status: 'paused',
      updatedAt: T,
      doc: 'not a run',
    })

    await open(dbName)

    const fields = await fieldsOf(db)
    expect(fields['run-broken']).toStrictEqual({ createdAt: undefined, parentRunId: undefined })
    expect(fields['run-newer']?.createdAt).toBe(T + 20)
  })

  it('is applied once per database: recorded, a later start reads no runs; deleting the record applies it again', async () => {
    const { dbName, db, older } = await oldDatabase()
    await open(dbName)
    await collectionsOf(db).runs.updateOne({ _id: older.runId }, { $unset: { createdAt: '' } })

    const again = await open(dbName)
    expect((await fieldsOf(db))[older.runId]?.createdAt).toBeUndefined()

    await collectionsOf(db).migrations.deleteMany({})
    await run(again.migrate())
    expect((await fieldsOf(db))[older.runId]?.createdAt).toBe(older.createdAt)
  })

  it('servers starting at once over more documents than one page agree, and record it once', async () => {
    const dbName = mongo.freshDatabase()
    const db = (await mongo.client()).db(dbName)
    const records = Array.from({ length: 240 }, (_, i) =>
      sampleRun(`run-${String(i).padStart(4, '0')}`, { createdAt: T + i, userId: 'ada' }),
    )
    await writeAsBefore(db, records)

    // Indexes first, by one server: FerretDB does not take concurrent createIndexes well.
    await open(dbName, { migrate: false })
    const stores = await Promise.all([open(dbName), open(dbName), open(dbName)])

    const c = collectionsOf(db)
    expect(await c.runs.countDocuments({ createdAt: { $exists: false } })).toBe(0)
    expect(await c.runs.findOne({ _id: 'run-0177' })).toMatchObject({ createdAt: T + 177 })
    expect(await c.migrations.countDocuments()).toBe(2)
    expect((await listed(stores[0])).ids.slice(0, 2)).toStrictEqual(['run-0239', 'run-0238'])
  })
})
