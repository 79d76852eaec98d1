import { RunRecord, type StoreError } from '@countersign/core'
import { readStoredRun, sampleResolution, storedPausedRun } from '@countersign/core/testing'
import { Option, Schema } from 'effect'
import { describe, expect, it } from 'vitest'
import { MongoStore } from '../src/index.js'
import { storeLosingRunsUpdates } from './lostRunsUpdate.js'
import { failureOf, run } from './effects.js'
import { mongoTestKit } from './mongo.js'
import { decideFirst, pausedRun, pauseRun, writePausedRun } from './pausedRun.js'

const mongo = mongoTestKit()

/**
 * Two paused runs in a fresh database: one to damage, one that must keep working. With
 * `rolledForward`, the damaged run's pause is only in its journal (its `runs` write was lost), so
 * that reads take the run's state from the stop's document.
 */
const twoRuns = async ({ rolledForward = false } = {}) => {
  const dbName = mongo.freshDatabase()
  const client = await mongo.client()
  const store = await mongo.open({ client, dbName })
  const db = client.db(dbName)
  const [damaged, healthy] = [pausedRun('run-damaged'), pausedRun('run-healthy')]
  if (rolledForward) {
    await failureOf(pauseRun(storeLosingRunsUpdates(db), damaged))
    await run(decideFirst(store, damaged))
  } else await run(writePausedRun(store, damaged))
  await run(writePausedRun(store, healthy))
  /** Sets fields of one stored document, as a bug, a manual edit or another program might. */
  const damage = async (collection: string, _id: string, fields: Record<string, unknown>) => {
    const { matchedCount } = await db
      .collection(collection)
      .updateOne({ _id: _id as never }, { $set: fields })
    expect(matchedCount).toBe(1)
  }
  /** The healthy run reads back whole, whatever happened to the other one. */
  const expectHealthy = async () =>
    expect(await run(readStoredRun(store, healthy.runId))).toStrictEqual(storedPausedRun(healthy))
  return { store, db, damaged, healthy, damage, expectHealthy }
}

const expectNaming = (error: { readonly _tag: string }, operation: string, document: string) => {
  expect(error).toMatchObject({ _tag: 'StoreError', operation })
  expect((error as StoreError).reason).toContain(document)
}

const newer = MongoStore.schemaVersion + 1

describe('MongoStore: a document that does not decode is a StoreError naming it; other runs keep working', () => {
  it('runs: a record that is not JSON, not a run, or another run', async () => {
    const { store, damaged, healthy, damage, db, expectHealthy } = await twoRuns()
    await damage('runs', damaged.runId, { doc: '{"runId": "run-damaged", "status": "exploded"' })
    const other = await db.collection('runs').findOne({ _id: healthy.runId as never })
    await db.collection('runs').insertOne({ ...other!, _id: 'run-impostor' as never })
    await db
      .collection('runs')
      .insertOne({ ...other!, _id: 'run-odd' as never, doc: JSON.stringify({ runId: 'run-odd' }) })

    expectNaming(
      await failureOf(store.getRun(damaged.runId)),
      'getRun',
      'runs document "run-damaged" is corrupt: its doc is not JSON',
    )
    expectNaming(
      await failureOf(store.getRun('run-odd')),
      'getRun',
      'runs document "run-odd" is corrupt: its doc does not decode',
    )
    expectNaming(
      await failureOf(store.getRun('run-impostor')),
      'getRun',
      'runs document "run-impostor" is corrupt: it holds the record of "run-healthy"',
    )
    // The decisions on the damaged run are not made while its record does not read.
    const open = damaged.requirements[1]!
    expectNaming(
      await failureOf(store.resolveRequirement(damaged.runId, open.id, sampleResolution('grace'))),
      'resolveRequirement',
      'runs document "run-damaged" is corrupt',
    )
    expect(await db.collection('resolutions').countDocuments({ _id: open.id as never })).toBe(0)
    await expectHealthy()
  })

  it('runs: the requirements raised, not requirements, fail the reads of the run and of its requirements', async () => {
    const { store, damaged, damage, db, expectHealthy } = await twoRuns()
    await damage('runs', damaged.runId, { requirements: JSON.stringify([{ id: 'req-1' }]) })

    const document = 'runs document "run-damaged" is corrupt: its requirements does not decode'
    expectNaming(await failureOf(store.listRequirements(damaged.runId)), 'listRequirements', document)
    const open = damaged.requirements[1]!
    expectNaming(await failureOf(store.getRequirement(damaged.runId, open.id)), 'getRequirement', document)
    expectNaming(
      await failureOf(store.resolveRequirement(damaged.runId, open.id, sampleResolution('grace'))),
      'resolveRequirement',
      document,
    )
    expectNaming(await failureOf(store.getRun(damaged.runId)), 'getRun', document)
    expect(await db.collection('resolutions').countDocuments({ _id: open.id as never })).toBe(0)
    await expectHealthy()
  })

  it('runs: a foreign document, and one written by a newer version of the store', async () => {
    const { store, healthy, damage, db } = await twoRuns()
    await db.collection('runs').insertOne({ _id: 'run-foreign' as never, name: 'not ours' })
    await damage('runs', healthy.runId, { schemaVersion: newer })

    expectNaming(
      await failureOf(store.getRun('run-foreign')),
      'getRun',
      'runs document "run-foreign" is corrupt: its schemaVersion is undefined',
    )
    expectNaming(
      await failureOf(store.getRun(healthy.runId)),
      'getRun',
      `runs document "run-healthy" has schema version ${newer}, newer than this version of @countersign/mongodb`,
    )
  })

  it('events: a damaged event fails the reads that include it, not those after it', async () => {
    const { store, damaged, damage, expectHealthy } = await twoRuns()
    await damage('events', 'run-damaged:4', { doc: 'not json at all' })
    await damage('events', 'run-damaged:6', { doc: JSON.stringify({ ...damaged.events[6], seq: 7 }) })

    expectNaming(
      await failureOf(store.readEvents(damaged.runId, 0)),
      'readEvents',
      'events document "run-damaged:4" is corrupt: its doc is not JSON',
    )
    expectNaming(
      await failureOf(store.readEvents(damaged.runId, 4)),
      'readEvents',
      'events document "run-damaged:6" is corrupt: it holds the record of "run-damaged:7"',
    )
    expect((await run(store.readEvents(damaged.runId, 6))).map(({ seq }) => seq)).toStrictEqual([7, 8, 9])
    // The transcript and the record are elsewhere: they still read.
    expect(await run(store.readTranscript(damaged.runId))).toStrictEqual(damaged.transcript)
    expect(Option.getOrThrow(await run(store.getRun(damaged.runId)))).toStrictEqual(damaged.record)
    await expectHealthy()
  })

  it("events: a batch's messages that are not messages, and a batch out of place, fail the transcript", async () => {
    const { store, damaged, healthy, damage, expectHealthy } = await twoRuns()
    await damage('events', 'run-damaged:3', {
      messages: JSON.stringify([{ _tag: 'Robot', content: 'beep' }]),
    })
    await damage('events', 'run-healthy:3', { transcriptStart: 4 })

    expectNaming(
      await failureOf(store.readTranscript(damaged.runId)),
      'readTranscript',
      'events document "run-damaged:3" is corrupt: its messages does not decode',
    )
    expectNaming(
      await failureOf(store.readTranscript(healthy.runId)),
      'readTranscript',
      'events document "run-healthy:3" is corrupt or out of place: its messages start at 4, ' +
        'the transcript of run "run-healthy" is at 2',
    )
    // The events of the batches still read.
    expect(await run(store.readEvents(damaged.runId, 0))).toHaveLength(9)

    await damage('events', 'run-healthy:3', { transcriptStart: 2 })
    await expectHealthy()
  })

  it("events: a stop's record or requirements that do not decode fail the reads of the run they make its state", async () => {
    const { store, damaged, damage, db, expectHealthy } = await twoRuns({ rolledForward: true })
    await damage('events', 'run-damaged:9', {
      record: JSON.stringify({ runId: damaged.runId, status: 'paused' }),
    })

    expectNaming(
      await failureOf(store.getRun(damaged.runId)),
      'getRun',
      'events document "run-damaged:9" is corrupt: its record does not decode',
    )

    await damage('events', 'run-damaged:9', {
      record: JSON.stringify(Schema.encodeSync(RunRecord)(damaged.record)),
      requirements: '[{"id": ',
    })
    const document = 'events document "run-damaged:9" is corrupt: its requirements is not JSON'
    expectNaming(await failureOf(store.getRun(damaged.runId)), 'getRun', document)
    expectNaming(await failureOf(store.listRequirements(damaged.runId)), 'listRequirements', document)
    const open = damaged.requirements[1]!
    expectNaming(
      await failureOf(store.resolveRequirement(damaged.runId, open.id, sampleResolution('grace'))),
      'resolveRequirement',
      document,
    )
    expect(await db.collection('resolutions').countDocuments({ _id: open.id as never })).toBe(0)
    await expectHealthy()
  })

  it('resolutions: a decided requirement that does not decode, or is another one, fails the reads of its run', async () => {
    const { store, damaged, healthy, damage, db, expectHealthy } = await twoRuns()
    const decided = damaged.requirements[0]!
    await damage('resolutions', decided.id, {
      requirement: JSON.stringify({ id: decided.id, status: 'resolved', resolution: 'yes' }),
    })

    const document = `resolutions document "${decided.id}" is corrupt: its requirement does not decode`
    expectNaming(await failureOf(store.getRequirement(damaged.runId, decided.id)), 'getRequirement', document)
    expectNaming(await failureOf(store.listRequirements(damaged.runId)), 'listRequirements', document)
    // The open one cannot be decided either while the run's requirements do not read.
    const open = damaged.requirements[1]!
    expectNaming(
      await failureOf(store.resolveRequirement(damaged.runId, open.id, sampleResolution('grace'))),
      'resolveRequirement',
      document,
    )
    expect(await db.collection('resolutions').countDocuments({ _id: open.id as never })).toBe(0)

    const other = await db.collection('resolutions').findOne({ _id: healthy.requirements[0]!.id as never })
    await damage('resolutions', decided.id, { requirement: other!.requirement })
    expectNaming(
      await failureOf(store.getRequirement(damaged.runId, decided.id)),
      'getRequirement',
      `resolutions document "${decided.id}" is corrupt: it holds the record of "${healthy.requirements[0]!.id}"`,
    )
    await expectHealthy()
  })

  it('resolutions: a decision written by a newer version of the store', async () => {
    const { store, damaged, damage, expectHealthy } = await twoRuns()
    const decided = damaged.requirements[0]!
    await damage('resolutions', decided.id, { schemaVersion: newer })

    expectNaming(
      await failureOf(store.listRequirements(damaged.runId)),
      'listRequirements',
      `resolutions document "${decided.id}" has schema version ${newer}, newer than this version`,
    )
    await expectHealthy()
  })
})
