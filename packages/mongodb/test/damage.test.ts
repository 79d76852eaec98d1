import type { StoreError } from '@countersign/core'
import { sampleResolution } from '@countersign/core/testing'
import { Option } from 'effect'
import { describe, expect, it } from 'vitest'
import { failureOf, run } from './effects.js'
import { mongoTestKit } from './mongo.js'
import { pausedRun, writePausedRun } from './pausedRun.js'

const mongo = mongoTestKit()

/** Two paused runs in a fresh database: one to damage, one that must keep working. */
const twoRuns = async () => {
  const dbName = mongo.freshDatabase()
  const client = await mongo.client()
  const store = await mongo.open({ client, dbName })
  const [damaged, healthy] = [pausedRun('run-damaged'), pausedRun('run-healthy')]
  await run(writePausedRun(store, damaged))
  await run(writePausedRun(store, healthy))
  const db = client.db(dbName)
  /** Sets fields of one stored document, as a bug, a manual edit or another program might. */
  const damage = async (collection: string, _id: string, fields: Record<string, unknown>) => {
    const { matchedCount } = await db
      .collection(collection)
      .updateOne({ _id: _id as never }, { $set: fields })
    expect(matchedCount).toBe(1)
  }
  return { store, db, damaged, healthy, damage }
}

const expectNaming = (error: { readonly _tag: string }, operation: string, document: string) => {
  expect(error).toMatchObject({ _tag: 'StoreError', operation })
  expect((error as StoreError).reason).toContain(document)
}

describe('MongoStore: a document that does not decode is a StoreError naming it; other runs keep working', () => {
  it('runs: a record that is not JSON, not a run, or another run', async () => {
    const { store, damaged, healthy, damage, db } = await twoRuns()
    await damage('runs', damaged.runId, { doc: '{"runId": "run-damaged", "status": "exploded"' })
    const other = await db.collection('runs').findOne({ _id: healthy.runId as never })
    await db.collection('runs').insertOne({ ...other!, _id: 'run-impostor' as never })

    expectNaming(
      await failureOf(store.getRun(damaged.runId)),
      'getRun',
      'runs document "run-damaged" is corrupt',
    )
    expectNaming(
      await failureOf(store.getRun('run-impostor')),
      'getRun',
      'runs document "run-impostor" is corrupt: it holds the record of "run-healthy"',
    )
    expect(Option.getOrThrow(await run(store.getRun(healthy.runId))).status).toBe('paused')
  })

  it('runs: a foreign document, and one written by a newer version of the store', async () => {
    const { store, healthy, damage, db } = await twoRuns()
    await db.collection('runs').insertOne({ _id: 'run-foreign' as never, name: 'not ours' })
    await damage('runs', healthy.runId, { schemaVersion: 2 })

    expectNaming(
      await failureOf(store.getRun('run-foreign')),
      'getRun',
      'runs document "run-foreign" is corrupt: its schemaVersion is undefined',
    )
    expectNaming(
      await failureOf(store.getRun(healthy.runId)),
      'getRun',
      'runs document "run-healthy" has schema version 2, newer than this version of @countersign/mongodb',
    )
  })

  it('transcript: a chunk holding something else than messages, and a missing chunk', async () => {
    const { store, damaged, healthy, damage, db } = await twoRuns()
    await damage('transcript', 'run-damaged:2', {
      messages: JSON.stringify([{ _tag: 'Robot', content: 'beep' }]),
    })

    expectNaming(
      await failureOf(store.readTranscript(damaged.runId, 6)),
      'readTranscript',
      'transcript document "run-damaged:2" is corrupt',
    )
    // The chunk before the damaged one still reads.
    expect(await run(store.readTranscript(damaged.runId, 2))).toHaveLength(2)
    expect(await run(store.readTranscript(healthy.runId, 6))).toHaveLength(6)

    await db.collection('transcript').deleteOne({ _id: 'run-healthy:0' as never })
    expectNaming(
      await failureOf(store.readTranscript(healthy.runId, 6)),
      'readTranscript',
      'transcript of run "run-healthy" has 0 of its first 6 messages',
    )
  })

  it('requirements: a damaged requirement fails the reads of its run, and a decision on it writes nothing', async () => {
    const { store, damaged, healthy, damage, db } = await twoRuns()
    const open = damaged.requirements[1]!
    await damage('requirements', open.id, { doc: JSON.stringify({ id: open.id, runId: damaged.runId }) })

    const document = `requirements document "${open.id}" is corrupt`
    expectNaming(await failureOf(store.listRequirements(damaged.runId)), 'listRequirements', document)
    expectNaming(await failureOf(store.getRequirement(damaged.runId, open.id)), 'getRequirement', document)
    expectNaming(
      await failureOf(store.resolveRequirement(damaged.runId, open.id, sampleResolution('grace'))),
      'resolveRequirement',
      document,
    )
    expect(await db.collection('resolutions').countDocuments({ _id: open.id as never })).toBe(0)
    expect(await run(store.listRequirements(healthy.runId))).toHaveLength(2)
  })

  it('resolutions: a damaged decision fails the reads of its requirement', async () => {
    const { store, damaged, healthy, damage } = await twoRuns()
    const decided = damaged.requirements[0]!
    await damage('resolutions', decided.id, { doc: JSON.stringify({ value: 'yes', resolvedBy: 'someone' }) })

    const document = `resolutions document "${decided.id}" is corrupt`
    expectNaming(await failureOf(store.getRequirement(damaged.runId, decided.id)), 'getRequirement', document)
    expectNaming(await failureOf(store.listRequirements(damaged.runId)), 'listRequirements', document)
    const [healthyDecided] = await run(store.listRequirements(healthy.runId))
    expect(healthyDecided?.resolution?.resolvedBy.id).toBe('grace')
  })

  it('events: a damaged event fails the reads that include it, not those after it', async () => {
    const { store, damaged, healthy, damage } = await twoRuns()
    await damage('events', 'run-damaged:3', { doc: 'not json at all' })

    expectNaming(
      await failureOf(store.readEvents(damaged.runId, 0)),
      'readEvents',
      'events document "run-damaged:3" is corrupt: its doc is not JSON',
    )
    expect((await run(store.readEvents(damaged.runId, 3))).map(({ seq }) => seq)).toStrictEqual([
      4, 5, 6, 7, 8, 9,
    ])
    expect(await run(store.readEvents(healthy.runId, 0))).toHaveLength(9)
  })
})
