import type { CommandStartedEvent, Db, Document, MongoClient } from 'mongodb'

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

/** Every stage of a MongoDB plan, depth first. */
const stagesOf = (plan: Document | undefined): Array<string> =>
  plan === undefined
    ? []
    : [
        String(plan['stage']),
        ...stagesOf(plan['inputStage'] as Document | undefined),
        ...((plan['inputStages'] as Array<Document> | undefined) ?? []).flatMap(stagesOf),
      ]

/** FerretDB's backend plan: SQLite's `EXPLAIN QUERY PLAN` steps, as FerretDB nests them. */
const backendSteps = (plan: unknown): Array<string> =>
  typeof plan !== 'object' || plan === null
    ? []
    : Object.entries(plan as Document).flatMap(([key, value]) =>
        /^detail$/i.test(key) && typeof value === 'string' ? [value] : backendSteps(value),
      )

const describe = (explained: Document) => {
  const planner = explained['queryPlanner'] as Document | undefined
  const winning = planner?.['winningPlan'] as Document | undefined
  if (winning !== undefined) return stagesOf(winning).join(' < ')
  const pushdowns = Object.entries(explained)
    .filter(([key]) => /pushdown/i.test(key))
    .map(([key, value]) => `${key}: ${String(value)}`)
  return [...pushdowns, ...backendSteps(planner)].join('; ')
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
      const explained = await db.command({ explain: asSent, verbosity: 'queryPlanner' })
      return { command: commandName, collection: String(command[commandName]), plan: describe(explained) }
    }),
  )
}
