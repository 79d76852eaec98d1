import { Outbox } from '@countersign/core'
import {
  batchOf,
  failureOf,
  sampleNotification,
  sampleRequirement,
  sampleResolution,
  sampleRun,
} from '@countersign/core/testing'
import { describe, expect, it } from 'vitest'
import { collectionsOf } from '../src/internal/collections.js'
import { run } from './effects.js'
import { failureMessage, storeFailingWrites } from './failingWrites.js'
import { mongoTestKit } from './mongo.js'

const mongo = mongoTestKit()
const T0 = 1_767_225_600_000

/** A store over a fresh database, and the database. */
const fresh = async () => {
  const dbName = mongo.freshDatabase()
  const store = await mongo.open({ url: mongo.url, dbName })
  return { store, db: (await mongo.client()).db(dbName) }
}

const claim = {
  owner: 'dispatcher-a',
  now: T0 + 1_000,
  leaseUntil: T0 + 31_000,
  channels: ['hook'],
  limit: 10,
}

describe('MongoStore outbox: a crash between the commit and the outbox', () => {
  it('a stop committed without its deliveries in the outbox: the next claim writes them, once, and claims them', async () => {
    const { store, db } = await fresh()
    const requirement = sampleRequirement('run-x', 'x1')
    const delivery = Outbox.pending(sampleNotification(requirement), 'hook')
    await run(store.createRun(sampleRun('run-x')))
    const dying = storeFailingWrites(db, { deliveries: ['insertMany'] })

    const crashed = await failureOf(
      dying.commit(
        batchOf('run-x', [
          { _tag: 'RunPaused', runId: 'run-x', seq: 1, at: T0, requirements: [requirement] },
        ]),
        sampleRun('run-x', { status: 'paused', lastSeq: 1, pendingRequirementIds: ['x1'] }),
        [requirement],
        [delivery],
      ),
    )

    expect(crashed).toMatchObject({ _tag: 'StoreError', reason: failureMessage })
    // The stop is in, its deliveries with it, flagged; the outbox has none yet.
    expect(await collectionsOf(db).events.findOne({ _id: 'run-x:1' })).toMatchObject({ outboxPending: true })
    expect(await collectionsOf(db).deliveries.countDocuments()).toBe(0)

    const claimed = await run(store.claimDeliveries(claim))
    expect(claimed.map(({ id, attempts }) => [id, attempts])).toStrictEqual([[delivery.id, 1]])
    expect(await collectionsOf(db).events.findOne({ _id: 'run-x:1' })).not.toHaveProperty('outboxPending')
    expect(await run(store.claimDeliveries({ ...claim, owner: 'dispatcher-b' }))).toStrictEqual([])
    expect(await run(store.listDeliveries({ runId: 'run-x' }))).toHaveLength(1)
  })

  it('a decision stored without its deliveries in the outbox: the next claim writes them', async () => {
    const { store, db } = await fresh()
    const requirement = sampleRequirement('run-y', 'y1')
    await run(store.createRun(sampleRun('run-y')))
    await run(
      store.commit(
        batchOf('run-y', [
          { _tag: 'RunPaused', runId: 'run-y', seq: 1, at: T0, requirements: [requirement] },
        ]),
        sampleRun('run-y', { status: 'paused', lastSeq: 1, pendingRequirementIds: ['y1'] }),
        [requirement],
      ),
    )
    const decided = Outbox.pending(sampleNotification(requirement, 'requirement.decided'), 'hook')
    const dying = storeFailingWrites(db, { deliveries: ['insertMany'] })

    expect(
      await failureOf(dying.resolveRequirement('run-y', 'y1', sampleResolution('grace'), [decided])),
    ).toMatchObject({ _tag: 'StoreError' })
    expect(await collectionsOf(db).resolutions.findOne({ _id: 'y1' })).toMatchObject({ outboxPending: true })

    const claimed = await run(store.claimDeliveries(claim))
    expect(claimed.map(({ id }) => id)).toStrictEqual([decided.id])
    expect(await collectionsOf(db).resolutions.findOne({ _id: 'y1' })).not.toHaveProperty('outboxPending')
  })
})
