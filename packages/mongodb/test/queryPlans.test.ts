import { fillStore, growingQueries } from '@countersign/core/testing'
import { Effect } from 'effect'
import type { CommandStartedEvent, Document } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { mongoTestKit } from './mongo.js'

/*
 * The queries that grow with the store — the approval queue, run lists, what the sweeper finds
 * due, and what followers read — use an index: the plan MongoDB's `explain` gives for every
 * query each store call sends has no collection scan. The commands are the store's own,
 * captured by command monitoring and explained as sent. FerretDB plans nothing on indexes it
 * would show (its plans are its backend's), so there the test is skipped: it runs against a real
 * MongoDB given with MONGODB_URL. bench/ measures the latency at 100,000 runs on either.
 */

const mongo = mongoTestKit()
const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)

/** Every stage of a plan, depth first. */
const stagesOf = (plan: Document | undefined): Array<string> =>
  plan === undefined
    ? []
    : [
        String(plan['stage']),
        ...stagesOf(plan['inputStage'] as Document | undefined),
        ...((plan['inputStages'] as Array<Document> | undefined) ?? []).flatMap(stagesOf),
      ]

describe('query plans', () => {
  for (const [name, call] of growingQueries)
    it(`${name}: no collection scan`, async (context) => {
      const client = await mongo.newClient({ monitorCommands: true })
      const dbName = mongo.freshDatabase()
      const db = client.db(dbName)
      const probe = await db.command({ explain: { find: 'runs', filter: {} }, verbosity: 'queryPlanner' })
      if ((probe['queryPlanner'] as Document | undefined)?.['winningPlan'] === undefined)
        context.skip('the server plans no indexes it can show (FerretDB): set MONGODB_URL to a MongoDB')
      const store = await mongo.open({ client, dbName })
      await run(fillStore(store, 300))

      const sent: Array<CommandStartedEvent> = []
      const record = (event: CommandStartedEvent) => void sent.push(event)
      client.on('commandStarted', record)
      await run(call(store))
      client.off('commandStarted', record)

      const queries = sent.filter(
        ({ commandName }) => commandName === 'find' || commandName === 'aggregate' || commandName === 'count',
      )
      expect(queries.length).toBeGreaterThan(0)
      for (const { command, commandName } of queries) {
        const { $db: _db, lsid: _lsid, $clusterTime: _time, ...sentCommand } = command
        const explained = await db.command({ explain: sentCommand, verbosity: 'queryPlanner' })
        const plan = (explained['queryPlanner'] as Document)['winningPlan'] as Document
        expect({ commandName, stages: stagesOf(plan).filter((stage) => stage === 'COLLSCAN') }).toStrictEqual(
          {
            commandName,
            stages: [],
          },
        )
      }
    })
})
