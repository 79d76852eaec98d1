import type { Message, RunEvent } from '@countersign/core'
import { batchOf, sampleResolution, sampleRun } from '@countersign/core/testing'
import { Effect, Either, Option } from 'effect'
import { describe, expect, it } from 'vitest'
import { run } from './effects.js'
import { mongoTestKit } from './mongo.js'
import { pausedRun, writePausedRun } from './pausedRun.js'

const mongo = mongoTestKit()

/** Two stores over one database, each with a client of its own: two server processes; a run paused in it. */
const twoProcesses = async () => {
  const dbName = mongo.freshDatabase()
  const [a, b] = [await mongo.open({ url: mongo.url, dbName }), await mongo.open({ url: mongo.url, dbName })]
  const paused = pausedRun('run-raced')
  await run(writePausedRun(a, paused))
  return { a, b, paused, db: (await mongo.client()).db(dbName) }
}

/** Runs all at once; the results of the winners (with their index) and the typed failures of the losers. */
const race = async <A, E>(effects: ReadonlyArray<Effect.Effect<A, E>>) => {
  const outcomes = await run(Effect.all(effects.map(Effect.either), { concurrency: 'unbounded' }))
  return {
    winners: outcomes.flatMap((outcome, index) =>
      Either.isRight(outcome) ? [{ index, value: outcome.right }] : [],
    ),
    losers: outcomes.flatMap((outcome) => (Either.isLeft(outcome) ? [outcome.left] : [])),
  }
}

/** The batch writer `i` would store on resuming the run: its own events and message, from seq 10. */
const resumeBatch = (runId: string, i: number) => {
  const events: Array<RunEvent> = [
    { _tag: 'RunContinued', runId, seq: 10, at: i },
    { _tag: 'RunContent', runId, seq: 11, at: i, delta: `writer ${i}` },
  ]
  const messages: Array<Message> = [{ _tag: 'User', content: `from writer ${i}` }]
  return batchOf(runId, events, 6, messages)
}

describe('MongoStore: the database picks the one winner, across clients (invariants 2 and 3)', () => {
  it('of 50 concurrent resolutions of one requirement through two clients, exactly one wins', async () => {
    const { a, b, db, paused } = await twoProcesses()
    const requirement = paused.requirements[1]!

    const { winners, losers } = await race(
      Array.from({ length: 50 }, (_, i) =>
        (i % 2 === 0 ? a : b).resolveRequirement(
          paused.runId,
          requirement.id,
          sampleResolution(`approver-${i}`, { approved: i % 3 === 0 }),
        ),
      ),
    )

    expect(winners).toHaveLength(1)
    expect(losers.map((error) => error._tag)).toStrictEqual(Array(49).fill('RequirementAlreadyResolved'))
    const winner = winners[0]!.value.resolution!.resolvedBy.id
    for (const store of [a, b])
      expect(Option.getOrThrow(await run(store.getRequirement(paused.runId, requirement.id)))).toMatchObject({
        status: 'resolved',
        resolution: { resolvedBy: { id: winner } },
      })
    expect(await db.collection('resolutions').countDocuments({ _id: requirement.id as never })).toBe(1)
  })

  it('of 50 writers resuming one run, appending at the same sequence number through two clients, exactly one wins and only its batch is stored', async () => {
    const { a, b, paused } = await twoProcesses()

    const { winners, losers } = await race(
      Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? a : b).appendBatch(resumeBatch(paused.runId, i))),
    )

    expect(winners).toHaveLength(1)
    expect(losers).toHaveLength(49)
    for (const loser of losers)
      expect(loser).toMatchObject({ _tag: 'EventSequenceConflict', runId: paused.runId, seq: 10 })
    const won = resumeBatch(paused.runId, winners[0]!.index)
    for (const store of [a, b]) {
      expect(await run(store.readEvents(paused.runId, 9))).toStrictEqual(won.events)
      expect(await run(store.readTranscript(paused.runId))).toStrictEqual([
        ...paused.transcript,
        ...won.messages,
      ])
    }
  })

  it('of 20 concurrent commits of one stop through two clients, exactly one is the run state', async () => {
    const { a, b, paused, db } = await twoProcesses()
    const commitOf = (i: number) => {
      const { runId } = paused
      const batch = resumeBatch(runId, i)
      const ended: RunEvent = { _tag: 'RunCompleted', runId, seq: 12, at: i, content: `done by ${i}` }
      const record = sampleRun(runId, {
        ...paused.record,
        status: 'completed',
        content: `done by ${i}`,
        transcriptLength: 7,
        lastSeq: 12,
        pendingRequirementIds: [],
      })
      return { batch: { ...batch, events: [...batch.events, ended] }, record }
    }

    const { winners, losers } = await race(
      Array.from({ length: 20 }, (_, i) => {
        const { batch, record } = commitOf(i)
        return (i % 2 === 0 ? a : b).commit(batch, record, [])
      }),
    )

    expect(winners).toHaveLength(1)
    expect(losers).toHaveLength(19)
    for (const loser of losers)
      expect(loser).toMatchObject({ _tag: 'EventSequenceConflict', runId: paused.runId, seq: 10 })
    const won = commitOf(winners[0]!.index)
    for (const store of [a, b]) {
      expect(Option.getOrThrow(await run(store.getRun(paused.runId)))).toStrictEqual(won.record)
      expect(await run(store.readEvents(paused.runId, 9))).toStrictEqual(won.batch.events)
    }
    expect(
      await db.collection('events').countDocuments({ runId: paused.runId, record: { $exists: true } }),
    ).toBe(2)
  })
})
