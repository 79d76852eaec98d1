import { describe, expect, it } from 'vitest'
import { commandKind, countCommands, divideCounts, formatCounts } from '../src/testing.js'
import { mongoTestKit } from './mongo.js'

const mongo = mongoTestKit()

/** A monitored client of its own, its counter, and a collection in a fresh database. */
const counted = async () => {
  const client = await mongo.newClient({ monitorCommands: true })
  const counter = countCommands(client)
  mongo.defer(counter.stop)
  return { client, counter, things: client.db(mongo.freshDatabase()).collection('things') }
}

describe('countCommands (@countersign/mongodb/testing)', () => {
  it("counts writes and reads apart, by command name, leaving out the driver's own traffic", async () => {
    const { client, counter, things } = await counted()

    await things.insertOne({ n: 1 })
    await things.insertMany([{ n: 2 }, { n: 3 }])
    await things.updateOne({ n: 1 }, { $set: { seen: true } })
    await things.replaceOne({ n: 2 }, { n: 2, replaced: true })
    await things.findOneAndUpdate({ n: 3 }, { $set: { seen: true } })
    await things.deleteOne({ n: 3 })
    await things.findOne({ n: 1 })
    await things.find({}).toArray()
    await things.countDocuments()
    await things.distinct('n')
    await things.createIndex({ n: 1 })
    await client.db('admin').command({ ping: 1 })

    expect(counter.snapshot()).toStrictEqual({
      writes: 6,
      reads: 4,
      other: 1,
      byCommand: {
        find: 2,
        insert: 2,
        update: 2,
        aggregate: 1,
        createIndexes: 1,
        delete: 1,
        distinct: 1,
        findAndModify: 1,
      },
    })
  })

  it("take returns a phase's counts and starts the next from zero; stop ends the counting", async () => {
    const { counter, things } = await counted()

    await things.insertOne({ n: 1 })
    const first = counter.take()
    await things.findOne({ n: 1 })
    const second = counter.snapshot()
    counter.stop()
    await things.insertOne({ n: 2 })

    expect(first).toMatchObject({ writes: 1, reads: 0, byCommand: { insert: 1 } })
    expect(second).toMatchObject({ writes: 0, reads: 1, byCommand: { find: 1 } })
    expect(counter.snapshot()).toStrictEqual(second)
    counter.reset()
    expect(counter.snapshot()).toStrictEqual({ writes: 0, reads: 0, other: 0, byCommand: {} })
  })

  it('refuses a client that does not monitor its commands, whose counts would all be zero', async () => {
    const client = await mongo.newClient()

    expect(() => countCommands(client)).toThrow('monitorCommands: true')
  })

  it('classifies the client-level bulk write and the handshake by name; formats averages as one line', () => {
    expect(
      ['bulkWrite', 'getMore', 'killCursors', 'hello', 'saslStart', 'endSessions'].map(commandKind),
    ).toEqual(['write', 'read', 'other', undefined, undefined, undefined])

    const perCycle = divideCounts(
      { writes: 7, reads: 3, other: 0, byCommand: { insert: 6, find: 3, update: 1 } },
      3,
    )

    expect(formatCounts(perCycle)).toBe('writes 2.33 (insert 2, update 0.33), reads 1 (find 1)')
  })
})
