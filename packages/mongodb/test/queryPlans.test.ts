import { fillStore, growingQueries } from '@countersign/core/testing'
import { Effect } from 'effect'
import type { EventsMark, RunStore } from '@countersign/core'
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

/** The events' mark as a process's reader polls it: given the mark its last poll read. */
const markPoll = () => {
  let last: EventsMark | undefined
  return (store: RunStore) => Effect.tap(store.eventsMark(last), (mark) => void (last = mark))
}

/**
 * What a process polls every interval while nothing happens: the events' mark (its followers of
 * runs) and the queue's last number (its approval feed). One document each, by `_id`, once the
 * poll has been made before (a reader's first read of the mark also reads each writer's count).
 */
const idlePolls = (): ReadonlyArray<
  readonly [string, (store: RunStore) => Effect.Effect<unknown, unknown>]
> => [
  ['the events’ mark, polled by followers of runs', markPoll()],
  ['the queue’s last number, polled by its feed', (store) => store.lastApprovalChangeSeq()],
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
  { idle = false } = {},
) => {
  await run(fillStore(store, 300))
  // An idle poll, as made again and again: until it answers as it did (the marks of the batches,
  // written off their path, all in).
  for (let answered = '', again = idle; again;) {
    const answer = JSON.stringify(await run(call(store)))
    again = answer !== answered
    answered = answer
  }

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
  for (const [name, call, idle] of [
    ...growingQueries.map(([name, call]) => [name, call, false] as const),
    ...idlePolls().map(([name, call]) => [name, call, true] as const),
  ])
    it(`${name}: no collection scan`, async (context) => {
      const opened = await openStore()
      const { db } = opened
      if (await isFerretDb(db))
        context.skip('the server plans no indexes it can show (FerretDB): set MONGODB_URL to a MongoDB')
      const queries = await queriesOf(opened, call, { idle })
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
 * they are not pushed down. What an idle fleet polls is: a find by `_id`, pushed down, in
 * `counters`, a collection of a few documents that the store's size does not change.
 */
describe('idle polls on FerretDB', () => {
  for (const [name, call] of idlePolls())
    it(`${name}: one find by _id, pushed down, in a collection that does not grow`, async (context) => {
      const opened = await openStore()
      const { db } = opened
      if (!(await isFerretDb(db))) context.skip('FerretDB only: on MongoDB the plans are checked above')
      const queries = await queriesOf(opened, call, { idle: true })
      expect(
        queries.map(({ commandName, sentCommand }) => [commandName, String(sentCommand['find'])]),
      ).toStrictEqual([['find', 'counters']])
      const explained = await db.command({ explain: queries[0]!.sentCommand, verbosity: 'queryPlanner' })
      expect(explained['filterPushdown']).toBe(true)
      // 300 runs, their events and approvals stored by one process: the polled collection holds
      // the queue's counter, the events' mark, and the process's document of its writes of it.
      expect(await db.collection('counters').countDocuments()).toBeLessThanOrEqual(3)
    })
})
