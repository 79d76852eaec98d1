import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { BSON, type Document } from 'mongodb'
import { expect, it } from 'vitest'
import { expectMailerResumes } from '../../sqlite/test/fixtures/mailer.js'
import { mongoTestKit } from './mongo.js'

const mongo = mongoTestKit()

/** Every document of a run paused by schema version 1, as that version wrote them (a dump, in extended JSON). */
const fixture = BSON.EJSON.parse(
  readFileSync(fileURLToPath(new URL('./fixtures/v1-paused-run.json', import.meta.url)), 'utf8'),
) as { runId: string; collections: Record<string, Array<Document>> }

it('a run paused by schema version 1 (its documents as it wrote them) resumes on the current version and completes', async () => {
  const dbName = mongo.freshDatabase()
  const db = (await mongo.client()).db(dbName)
  for (const [name, documents] of Object.entries(fixture.collections))
    await db.collection(name).insertMany(documents)
  const store = await mongo.open({ url: mongo.url, dbName })
  await expectMailerResumes(store, fixture.runId)

  // The old documents are left as they were; the run went on in the current layout.
  for (const [name, documents] of Object.entries(fixture.collections)) {
    if (name === 'runs' || name === 'resolutions') continue
    for (const document of documents)
      expect(await db.collection(name).findOne({ _id: document['_id'] as never })).toStrictEqual(document)
  }
  const { runId } = fixture
  const events = await db.collection('events').find({ runId }).sort({ seq: 1 }).toArray()
  expect(events.map((event) => event['seq'] as number)).toStrictEqual(events.map((_, index) => index + 1))
  expect(events.filter(({ schemaVersion }) => schemaVersion === 1)).toHaveLength(18)
  expect((await db.collection('runs').findOne({ _id: runId as never }))?.['schemaVersion']).toBe(2)
})
