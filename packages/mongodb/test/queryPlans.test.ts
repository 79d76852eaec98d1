import { fillStore, growingQueries } from '@countersign/core/testing'
import { Effect } from 'effect'
import type { RunStore } from '@countersign/core'
import type { CommandStartedEvent, Db, Document } from 'mongodb'
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

/**
 * What a process polls every interval while nothing happens: the events' mark (its followers of
 * runs: a document a writing process, by a range of `_id`) and the queue's last number (its
 * approval feed: one document, by `_id`).
 */
const idlePolls: ReadonlyArray<
  readonly [string, (store: RunStore) => Effect.Effect<unknown, unknown>, { readonly byOneId: boolean }]
> = [
  ['the events’ mark, polled by followers of runs', (store) => store.eventsMark(), { byOneId: false }],
  [
    'the queue’s last number, polled by its feed',
    (store) => store.lastApprovalChangeSeq(),
    { byOneId: true },
  ],
]

/** A fresh database, and a store over it whose client's commands are monitored. */
const openStore = async () => {
  const client = await mongo.newClient({ monitorCommands: true })
  const dbName = mongo.freshDatabase()
  return { client, db: client.db(dbName), store: await mongo.open({ client, dbName }) }
}

/** The queries `call` sends to the store once it holds 300 runs, each as sent. */
const queriesOf = async (
  { client, store }: Awaited<ReturnType<typeof openStore>>,
  call: (store: RunStore) => Effect.Effect<unknown, unknown>,
) => {
  await run(fillStore(store, 300))

  const sent: Array<CommandStartedEvent> = []
  const record = (event: CommandStartedEvent) => void sent.push(event)
  client.on('commandStarted', record)
  await run(call(store))
  client.off('commandStarted', record)

  return sent
    .filter(
      ({ commandName }) => commandName === 'find' || commandName === 'aggregate' || commandName === 'count',
    )
    .map(({ command, commandName }) => {
      const { $db: _db, lsid: _lsid, $clusterTime: _time, ...sentCommand } = command
      return { commandName, sentCommand }
    })
}

/** Whether the server is FerretDB: its `explain` shows its backend's plan, not MongoDB's. */
const isFerretDb = async (db: Db) => {
  const probe = await db.command({ explain: { find: 'runs', filter: {} }, verbosity: 'queryPlanner' })
  return (probe['queryPlanner'] as Document | undefined)?.['winningPlan'] === undefined
}

describe('query plans', () => {
  for (const [name, call] of [...growingQueries, ...idlePolls])
    it(`${name}: no collection scan`, async (context) => {
      const opened = await openStore()
      const { db } = opened
      if (await isFerretDb(db))
        context.skip('the server plans no indexes it can show (FerretDB): set MONGODB_URL to a MongoDB')
      const queries = await queriesOf(opened, call)
      expect(queries.length).toBeGreaterThan(0)
      for (const { commandName, sentCommand } of queries) {
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

/*
 * FerretDB 1.x with its SQLite backend serves no query from an index (its plan of a find by `_id`
 * is a scan of the collection's table), and pushes down to SQL only a filter that is one `_id`
 * equal to a string. The queries of the queue, of run lists, of what is due and of followed runs'
 * events are filtered in FerretDB itself, a scan of their collection each: not shown here, as
 * they are not pushed down. What an idle fleet polls is one find in `counters`, a collection of a
 * few documents that the store's size does not change (a counter, and a mark a writing process):
 * by `_id`, pushed down; or, for the marks, by a range of `_id`, filtered over those few.
 */
describe('idle polls on FerretDB', () => {
  for (const [name, call, { byOneId }] of idlePolls)
    it(`${name}: one find in a collection that does not grow${byOneId ? ', by _id, pushed down' : ''}`, async (context) => {
      const opened = await openStore()
      const { db } = opened
      if (!(await isFerretDb(db))) context.skip('FerretDB only: on MongoDB the plans are checked above')
      const queries = await queriesOf(opened, call)
      expect(
        queries.map(({ commandName, sentCommand }) => [commandName, String(sentCommand['find'])]),
      ).toStrictEqual([['find', 'counters']])
      const explained = await db.command({ explain: queries[0]!.sentCommand, verbosity: 'queryPlanner' })
      expect(explained['filterPushdown']).toBe(byOneId)
      // 300 runs, their events and approvals stored by one process: the polled collection holds a
      // document for the queue's counter and one for the process's mark.
      expect(await db.collection('counters').countDocuments()).toBeLessThanOrEqual(2)
    })
})
