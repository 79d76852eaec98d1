import { type CommandStartedEvent, type Db, type Document, Long, type MongoClient } from 'mongodb'

/** How the server says it would run one query a store call sent. */
export interface QueryPlan {
  readonly command: string
  readonly collection: string
  /**
   * MongoDB: the winning plan's stages (COLLSCAN: a scan of the collection). FerretDB: what it
   * pushes down to its SQL backend (`filterPushdown`, `sortPushdown`, …: false is done in
   * FerretDB, over every document the backend returned) and the backend's own plan.
   */
  readonly plan: string
}

/** Every string a plan holds under `key`, at any depth, in order: a MongoDB plan's stages, FerretDB's backend steps. */
const valuesOf = (key: string, plan: unknown): Array<string> =>
  typeof plan !== 'object' || plan === null
    ? []
    : Object.entries(plan as Document).flatMap(([name, value]) =>
        name === key && typeof value === 'string' ? [value] : valuesOf(key, value),
      )

const describe = (explained: Document) => {
  const planner = explained['queryPlanner'] as Document | undefined
  const winning = planner?.['winningPlan'] as Document | undefined
  if (winning !== undefined) return valuesOf('stage', winning).join(' < ')
  const pushdowns = Object.entries(explained)
    .filter(([key]) => /pushdown/i.test(key))
    .map(([key, value]) => `${key}: ${String(value)}`)
  // FerretDB's SQLite backend nests its `EXPLAIN QUERY PLAN` rows, each step's text as `detail`.
  return [...pushdowns, ...valuesOf('detail', planner)].join('; ')
}

const queryCommands = new Set(['find', 'aggregate', 'count'])

/**
 * The queries `call` sends through `client` (command monitoring must be on), each explained as
 * sent: which of them an index serves, on the server the benchmark runs on.
 */
export const queryPlans = async (
  client: MongoClient,
  db: Db,
  call: () => Promise<unknown>,
): Promise<ReadonlyArray<QueryPlan>> => {
  const sent: Array<CommandStartedEvent> = []
  const record = (event: CommandStartedEvent) => {
    if (event.databaseName === db.databaseName && queryCommands.has(event.commandName)) sent.push(event)
  }
  client.on('commandStarted', record)
  try {
    await call()
  } finally {
    client.off('commandStarted', record)
  }
  return Promise.all(
    sent.map(async ({ command, commandName }) => {
      const { $db: _db, lsid: _lsid, $clusterTime: _time, ...asSent } = command
      // The event holds numbers as numbers: `skip` goes back as the 64-bit integer the driver sent.
      if (typeof asSent['skip'] === 'number') asSent['skip'] = Long.fromNumber(asSent['skip'])
      const collection = String(command[commandName])
      try {
        const explained = await db.command({ explain: asSent, verbosity: 'queryPlanner' })
        return { command: commandName, collection, plan: describe(explained) }
      } catch (error) {
        return {
          command: commandName,
          collection,
          plan: `no plan: ${error instanceof Error ? error.message : String(error)}`,
        }
      }
    }),
  )
}
