import { randomUUID } from 'node:crypto'
import type { EventsMark, MovedRun, RunStore } from '@countersign/core'
import { batchOf, sampleEvents } from '@countersign/core/testing'
import { Effect } from 'effect'
import type { CommandStartedEvent, Db } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { keptWrites, listedRuns } from '../src/internal/eventsMark.js'
import { EventsMarker } from '../src/internal/eventsMarker.js'
import { isEventsMark } from '../src/testing.js'
import { mongoTestKit } from './mongo.js'

const mongo = mongoTestKit()

type MarkWriteCommand = { updates: [{ u: { $set: { n: number } } }, { u: { $set: { mark: string } } }] }

/** The number a write of a mark gives the write: its writer's writes so far. */
const writeNumber = (write: CommandStartedEvent) => (write.command as MarkWriteCommand).updates[0].u.$set.n

/** The value a write of a mark sets the mark all writers share to. */
const markSet = (write: CommandStartedEvent) => (write.command as MarkWriteCommand).updates[1].u.$set.mark

/** The value all writers set anew, of a mark as read. */
const sharedOf = ({ mark }: EventsMark) => mark.split('|')[0]!

/** A store over a monitored client of its own, and the writes of the events' mark it sends. */
const markedStore = async () => {
  const client = await mongo.newClient({ monitorCommands: true })
  const dbName = mongo.freshDatabase()
  const store = await mongo.open({ client, dbName })
  const marks: Array<CommandStartedEvent> = []
  const listener = (event: CommandStartedEvent) =>
    void (isEventsMark(event) && event.commandName === 'update' && marks.push(event))
  client.on('commandStarted', listener)
  mongo.defer(() => void client.off('commandStarted', listener))
  /** The mark all writers share, once it moved from `shared` (the marks are written off the batches' path). */
  const movedFrom = async (shared: string) => {
    const giveUpAt = Date.now() + 5_000
    for (;;) {
      const now = sharedOf(await Effect.runPromise(store.eventsMark()))
      if (now !== shared) return now
      if (Date.now() > giveUpAt) throw new Error(`the shared mark stayed ${shared} for 5 s`)
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }
  return { client, dbName, store, marks, movedFrom }
}

describe('MongoStore: the events’ mark', () => {
  it('a batch appended after the mark was written moves it again', async () => {
    const { store, marks, movedFrom } = await markedStore()
    const runId = 'run-twice'
    const events = sampleEvents(runId)
    const before = sharedOf(await Effect.runPromise(store.eventsMark()))

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
    const before = sharedOf(await Effect.runPromise(store.eventsMark()))

    marker.appended('run-1', 2)
    expect(await movedFrom(before)).toBe(markSet(marks[0]!))
    expect(writeNumber(marks[0]!)).toBe(1)
  })

  // A busy process does not write the mark once a batch: the batches within the spacing share one write.
  it('a marker told of a hundred batches at once writes at once, then once more at the end of the spacing', async () => {
    const { client, dbName, store, marks, movedFrom } = await markedStore()
    const marker = new EventsMarker(client.db(dbName))
    const before = sharedOf(await Effect.runPromise(store.eventsMark()))

    for (let asked = 0; asked < 100; asked++) marker.appended(`run-${asked}`, 2)
    const first = await movedFrom(before)
    // The batches after the first write was sent: that write may have been read before they were in.
    const last = first === markSet(marks[0]!) ? await movedFrom(first) : first

    expect(marks.map(writeNumber)).toStrictEqual([1, 2])
    expect(last).toBe(markSet(marks[1]!))
  })

  it('a marker sends nothing more within the spacing, however many batches', async () => {
    const { client, dbName, store, marks, movedFrom } = await markedStore()
    const marker = new EventsMarker(client.db(dbName), 3_600_000)
    const before = sharedOf(await Effect.runPromise(store.eventsMark()))

    marker.appended('run-1', 2)
    await movedFrom(before)
    for (let asked = 0; asked < 100; asked++) marker.appended(`run-${asked}`, 3)
    await Effect.runPromise(store.eventsMark()) // a round trip on the same client after them

    expect(marks).toHaveLength(1)
  })
})

/** A run's first `count` sample events, appended through `store`; its last event's number. */
const append = async (store: RunStore, runId: string, from: number, count: number) => {
  const events = sampleEvents(runId).slice(from - 1, from - 1 + count)
  await Effect.runPromise(store.appendBatch(batchOf(runId, events)))
  return events.at(-1)!.seq
}

/** What moved since `since`, once the mark moved from it (the marks are written off the batches' path). */
const movedSince = async (store: RunStore, since: EventsMark, until: (moved: EventsMark) => boolean) => {
  const giveUpAt = Date.now() + 5_000
  for (;;) {
    const now = await Effect.runPromise(store.eventsMark(since))
    if (until(now)) return now
    if (Date.now() > giveUpAt) throw new Error(`the events' mark stayed as ${JSON.stringify(now)} for 5 s`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

const byRun = (moved: ReadonlyArray<MovedRun> | undefined) =>
  moved === undefined ? undefined : [...moved].sort((a, b) => a.runId.localeCompare(b.runId))

/** The mark's documents as stored: what another process would find and write. */
const markDocuments = (db: Db) =>
  db.collection<{ _id: string; n?: number; moves?: Array<{ n: number; runs: Array<MovedRun> | null }> }>(
    'counters',
  )

/** What a process does after it wrote its document of writes: it sets the mark all share anew. */
const moveShared = (db: Db) =>
  markDocuments(db).updateOne({ _id: 'events' }, { $set: { mark: randomUUID() } }, { upsert: true })

describe('MongoStore: which runs moved since a mark', () => {
  it('lists every run appended to by any process since the mark given, with its last event, and no other', async () => {
    const { dbName, store } = await markedStore()
    const other = await mongo.open({ client: await mongo.newClient(), dbName })
    await append(store, 'run-before', 1, 2)
    const since = await movedSince(store, { mark: '' }, ({ mark }) => mark !== '')

    await append(store, 'run-a', 1, 2)
    const lastOfA = await append(store, 'run-a', 3, 2)
    const lastOfB = await append(other, 'run-b', 1, 3)
    const now = await movedSince(store, since, ({ moved }) => moved?.length === 2 && moved.at(-1)?.seq !== 2)

    expect(byRun(now.moved)).toStrictEqual([
      { runId: 'run-a', seq: lastOfA },
      { runId: 'run-b', seq: lastOfB },
    ])
    // Asked about the mark as it stands: nothing moved since.
    expect((await Effect.runPromise(store.eventsMark(now))).moved).toStrictEqual([])
  })

  it('says nothing of what moved when a write of a writer is missing since the mark given', async () => {
    const { client, dbName, store } = await markedStore()
    await append(store, 'run-a', 1, 2)
    const since = await movedSince(store, { mark: '' }, ({ mark }) => mark !== '')
    const db = client.db(dbName)
    const marks = markDocuments(db)
    const [found] = await marks.find({ _id: { $gt: 'events:', $lt: 'events;' } }).toArray()
    const _id = found!._id
    const moved = (n: number) => ({ n, runs: [{ runId: 'run-b', seq: n }] })

    // Writes 2 and 3 of this writer, as another process would find them: each says what it moved.
    await marks.updateOne({ _id }, { $set: { n: 3, moves: [moved(1), moved(2), moved(3)] } })
    await moveShared(db)
    expect(await Effect.runPromise(store.eventsMark(since))).toMatchObject({
      moved: [{ runId: 'run-b', seq: 3 }],
    })
    // Write 2 lost (or dropped from the list): a gap in the writer's numbers.
    await marks.updateOne({ _id }, { $set: { n: 3, moves: [moved(1), moved(3)] } })
    await moveShared(db)
    expect(await Effect.runPromise(store.eventsMark(since))).not.toHaveProperty('moved')
    // A writer new since the mark given, its first write missing.
    await marks.insertOne({ _id: 'events:another', n: 2, moves: [moved(2)] })
    await marks.updateOne({ _id }, { $set: { n: 3, moves: [moved(1), moved(2), moved(3)] } })
    await moveShared(db)
    expect(await Effect.runPromise(store.eventsMark(since))).not.toHaveProperty('moved')
    // A writer's document removed: whatever it wrote since is unknown.
    await marks.deleteMany({ _id: { $ne: 'events' } })
    await moveShared(db)
    expect(await Effect.runPromise(store.eventsMark(since))).not.toHaveProperty('moved')
  })

  it(`says nothing of what moved when a write moved more than ${listedRuns} runs, or when the list dropped writes since`, async () => {
    const { client, dbName, store, marks } = await markedStore()
    const marker = new EventsMarker(client.db(dbName))
    marker.appended('run-first', 1)
    const since = await movedSince(store, { mark: '' }, (read) => read.mark.endsWith(':1'))
    for (let run = 0; run <= listedRuns; run++) marker.appended(`run-${run}`, 1)
    const now = await movedSince(store, since, (read) => read.mark.endsWith(':2'))

    expect(marks.map(writeNumber)).toStrictEqual([1, 2])
    expect(now).not.toHaveProperty('moved')
    // One run moved since: that it can tell.
    marker.appended('run-third', 1)
    const third = await movedSince(store, now, (read) => read.mark.endsWith(':3'))
    expect(third.moved).toStrictEqual([{ runId: 'run-third', seq: 1 }])

    // Then one run a write, more writes than the list keeps: asked about a mark before them, it cannot tell.
    const before = third
    for (let write = 4; write <= keptWrites + 4; write++) {
      marker.appended(`run-${write}`, 1)
      await movedSince(store, before, (read) => read.mark.endsWith(`:${write}`))
    }
    expect(await Effect.runPromise(store.eventsMark(before))).not.toHaveProperty('moved')
  })
})

describe('MongoDB: a write of the mark that fails', () => {
  /** `db`, whose first `count` writes of the mark fail, as when the database did not answer them. */
  const failingFirst = (db: Db, count: number) => {
    let failures = 0
    return new Proxy(db, {
      get: (target, key, receiver): unknown =>
        key === 'collection'
          ? (name: string) => {
              const collection = target.collection(name)
              const bulkWrite = (...args: Parameters<typeof collection.bulkWrite>) =>
                failures++ < count
                  ? Promise.reject(new Error('the database did not answer'))
                  : collection.bulkWrite(...args)
              return Object.assign(Object.create(collection) as typeof collection, { bulkWrite })
            }
          : Reflect.get(target, key, receiver),
    })
  }

  it('is sent again: the runs it was for are told without another batch', async () => {
    const { client, dbName, store } = await markedStore()
    const marker = new EventsMarker(failingFirst(client.db(dbName), 2))
    const since = await Effect.runPromise(store.eventsMark())

    marker.appended('run-told', 4)
    const now = await movedSince(store, since, ({ moved }) => (moved?.length ?? 0) > 0)

    expect(now.moved).toStrictEqual([{ runId: 'run-told', seq: 4 }])
  })
})
