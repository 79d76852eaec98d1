import { Countersign, defineAgent } from '@countersign/core'
import { markMovedFrom } from '@countersign/core/testing'
import { Effect } from 'effect'
import type { CommandStartedEvent, MongoClient } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { confirmAll, countCommands, cycler } from '../src/testing.js'
import { mongoTestKit } from './mongo.js'

/*
 * A process's one reader of the runs its followers follow, over MongoDB: each interval it reads
 * the events' mark, which says which runs moved; it reads the events of those it follows only.
 */

const mongo = mongoTestKit()

const agent = defineAgent(cycler())

const isPollOfMark = ({ commandName, command }: CommandStartedEvent) =>
  commandName === 'find' && command.find === 'counters'

/** Resolves once `client` has sent `count` more reads of the events' mark: its reader's polls. */
const polls = (client: MongoClient, count: number) =>
  new Promise<void>((resolve) => {
    let left = count
    const listener = (event: CommandStartedEvent) => {
      if (!isPollOfMark(event) || --left > 0) return
      client.off('commandStarted', listener)
      resolve()
    }
    client.on('commandStarted', listener)
  })

describe('MongoStore: the reader of followed runs', () => {
  it('reads no events when the mark moved for runs it does not follow, and the run it follows when that moves', async () => {
    const dbName = mongo.freshDatabase()
    // Process A follows; process B writes. Each has its own client, store and engine.
    const clientA = await mongo.newClient({ monitorCommands: true })
    const storeA = await mongo.open({ client: clientA, dbName })
    const storeB = await mongo.open({ client: await mongo.newClient(), dbName })
    const a = new Countersign({ agents: [agent], store: storeA, sweepEvery: false, eventPollInterval: 50 })
    const b = new Countersign({ agents: [agent], store: storeB, sweepEvery: false })
    mongo.defer(async () => void (await Promise.all([a.dispose(), b.dispose()])))
    const followed = await b.run('cycler', 'Pay the first')
    const other = await b.run('cycler', 'Pay the second')
    const paused = await Effect.runPromise(storeA.readEvents(followed.runId, 0))

    const follower = a.followRun(followed.runId, paused.at(-1)!.seq)[Symbol.asyncIterator]()
    const next = follower.next()
    // Its first reads are done (a follower that starts has its run read whatever the mark).
    await polls(clientA, 3)
    const readsOfEvents = countCommands(clientA, { except: ({ command }) => command['find'] !== 'events' })

    const { mark } = await Effect.runPromise(storeB.eventsMark())
    await b.continueRun(confirmAll(other))
    await markMovedFrom(storeB, mark)
    // A poll that began after the mark moved, and its reads.
    await polls(clientA, 2)
    await polls(clientA, 1)
    expect(readsOfEvents.take().reads).toBe(0)

    await b.continueRun(confirmAll(followed))
    expect((await next).value).toMatchObject({ runId: followed.runId, seq: paused.at(-1)!.seq + 1 })
    expect(readsOfEvents.take().reads).toBeGreaterThan(0)
    await follower.return?.()
  })
})
