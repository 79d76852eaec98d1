import { batchOf, markMovedFrom, sampleEvents } from '@countersign/core/testing'
import { Effect } from 'effect'
import type { CommandStartedEvent } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { EventsMarker } from '../src/internal/eventsMark.js'
import { isEventsMark } from '../src/testing.js'
import { mongoTestKit } from './mongo.js'

const mongo = mongoTestKit()

/** The value a write of the mark sets. */
const markSet = (write: CommandStartedEvent) =>
  (write.command as { updates: Array<{ u: { $set: { mark: string } } }> }).updates[0]!.u.$set.mark

/** A store over a monitored client of its own, and the writes of the events' mark it sends. */
const markedStore = async () => {
  const client = await mongo.newClient({ monitorCommands: true })
  const dbName = mongo.freshDatabase()
  const store = await mongo.open({ client, dbName })
  const marks: Array<CommandStartedEvent> = []
  const listener = (event: CommandStartedEvent) => void (isEventsMark(event) && marks.push(event))
  client.on('commandStarted', listener)
  mongo.defer(() => void client.off('commandStarted', listener))
  const movedFrom = (mark: string) => markMovedFrom(store, mark)
  return { client, dbName, store, marks, movedFrom }
}

describe('MongoStore: the events’ mark', () => {
  it('a batch appended after the mark was written moves it again', async () => {
    const { store, marks, movedFrom } = await markedStore()
    const runId = 'run-twice'
    const events = sampleEvents(runId)
    const before = await Effect.runPromise(store.eventsMark())

    await Effect.runPromise(store.appendBatch(batchOf(runId, events.slice(0, 2))))
    const first = await movedFrom(before)
    await Effect.runPromise(store.appendBatch(batchOf(runId, events.slice(2, 3))))
    await movedFrom(first)

    expect(marks).toHaveLength(2)
  })

  // A resumed run's first events reach other processes' readers without waiting for a timer.
  it('a marker sets the mark at once for a batch when it has not set it within the spacing', async () => {
    const { client, dbName, store, marks, movedFrom } = await markedStore()
    const marker = new EventsMarker(client.db(dbName), 3_600_000)
    const before = await Effect.runPromise(store.eventsMark())

    marker.appended()
    expect(await movedFrom(before)).toBe(markSet(marks[0]!))
  })

  // A busy process does not write the mark once a batch: the batches within the spacing share one write.
  it('a marker told of a hundred batches at once writes at once, then once more at the end of the spacing', async () => {
    const { client, dbName, store, marks, movedFrom } = await markedStore()
    const marker = new EventsMarker(client.db(dbName))
    const before = await Effect.runPromise(store.eventsMark())

    for (let asked = 0; asked < 100; asked++) marker.appended()
    const first = await movedFrom(before)
    // The batches after the first write was sent: that write may have been read before they were in.
    const last = first === markSet(marks[0]!) ? await movedFrom(first) : first

    expect(marks).toHaveLength(2)
    expect(last).toBe(markSet(marks[1]!))
  })

  it('a marker sends nothing more within the spacing, however many batches', async () => {
    const { client, dbName, store, marks, movedFrom } = await markedStore()
    const marker = new EventsMarker(client.db(dbName), 3_600_000)
    const before = await Effect.runPromise(store.eventsMark())

    marker.appended()
    await movedFrom(before)
    for (let asked = 0; asked < 100; asked++) marker.appended()
    await Effect.runPromise(store.eventsMark()) // a round trip on the same client after them

    expect(marks).toHaveLength(1)
  })
})
