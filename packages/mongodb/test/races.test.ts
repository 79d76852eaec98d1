import { sampleEvents, sampleRequirement, sampleResolution } from '@countersign/core/testing'
import { Effect, Either, Option } from 'effect'
import { describe, expect, it } from 'vitest'
import { run } from './effects.js'
import { mongoTestKit } from './mongo.js'

const mongo = mongoTestKit()

/** Two stores over one database, each with a client of its own: two server processes. */
const twoProcesses = async () => {
  const dbName = mongo.freshDatabase()
  const [a, b] = [await mongo.open({ url: mongo.url, dbName }), await mongo.open({ url: mongo.url, dbName })]
  return { a, b, db: (await mongo.client()).db(dbName) }
}

/** Runs all at once; the results of the winners and the typed failures of the losers. */
const race = async <A, E>(effects: ReadonlyArray<Effect.Effect<A, E>>) => {
  const outcomes = await run(Effect.all(effects.map(Effect.either), { concurrency: 'unbounded' }))
  return {
    winners: outcomes.flatMap((outcome) => (Either.isRight(outcome) ? [outcome.right] : [])),
    losers: outcomes.flatMap((outcome) => (Either.isLeft(outcome) ? [outcome.left] : [])),
  }
}

describe('MongoStore: the database picks the one winner, across clients (invariants 2 and 3)', () => {
  it('of 50 concurrent resolutions of one requirement through two clients, exactly one wins', async () => {
    const { a, b, db } = await twoProcesses()
    const requirement = sampleRequirement('run-raced', 'req-raced')
    await run(a.insertRequirements([requirement]))

    const { winners, losers } = await race(
      Array.from({ length: 50 }, (_, i) =>
        (i % 2 === 0 ? a : b).resolveRequirement(
          'run-raced',
          requirement.id,
          sampleResolution(`approver-${i}`, { approved: i % 3 === 0 }),
        ),
      ),
    )

    expect(winners).toHaveLength(1)
    expect(losers.map((error) => error._tag)).toStrictEqual(Array(49).fill('RequirementAlreadyResolved'))
    const winner = winners[0]!.resolution!.resolvedBy.id
    for (const store of [a, b])
      expect(Option.getOrThrow(await run(store.getRequirement('run-raced', requirement.id)))).toMatchObject({
        status: 'resolved',
        resolution: { resolvedBy: { id: winner } },
      })
    expect(await db.collection('resolutions').countDocuments({ _id: requirement.id as never })).toBe(1)
  })

  it('of 50 concurrent claims of one (run, epoch) through two clients, exactly one wins', async () => {
    const { a, b } = await twoProcesses()

    const { winners, losers } = await race(
      Array.from({ length: 50 }, (_, i) =>
        (i % 2 === 0 ? a : b).claimRun('run-claimed', 2, `engine-${i % 2}`),
      ),
    )

    expect(winners).toHaveLength(1)
    expect(losers.map((error) => error._tag)).toStrictEqual(Array(49).fill('RunClaimed'))
  })

  it('of 20 concurrent appends of one sequence number through two clients, one is stored', async () => {
    const { a, b } = await twoProcesses()
    const [started] = sampleEvents('run-numbered')

    const { winners, losers } = await race(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).appendEvent({ ...started!, at: i })),
    )

    expect(winners).toHaveLength(1)
    expect(losers.map((error) => error._tag)).toStrictEqual(Array(19).fill('EventSequenceConflict'))
    expect(await run(b.readEvents('run-numbered', 0))).toHaveLength(1)
  })
})
