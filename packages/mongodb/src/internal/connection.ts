import { StoreError } from '@countersign/core'
import { Effect, type Scope } from 'effect'
import { MongoClient, type MongoClientOptions } from 'mongodb'
import { reasonOf } from './errors.js'

export interface ConnectionOptions {
  readonly url?: string | undefined
  readonly dbName?: string | undefined
  readonly client?: MongoClient | undefined
  readonly serverSelectionTimeoutMs?: number | undefined
  readonly clientOptions?: MongoClientOptions | undefined
}

export const defaultDbName = 'countersign'
export const defaultServerSelectionTimeoutMs = 5_000

/** The URL with its credentials masked: it goes into error messages and logs. */
export const redact = (url: string) => url.replace(/^([a-z+]+:\/\/)[^@/?]*@/i, '$1***@')

/** The database named in a connection string's path (`mongodb://host/name?…`), if any. */
export const databaseInUrl = (url: string): string | undefined => {
  const path = /^[a-z+]+:\/\/[^/?]*\/([^?]*)/i.exec(url)?.[1]
  return path ? decodeURIComponent(path) : undefined
}

/** `where`: "at <url>", or "through the given client". */
const unreachable = (where: string, cause: unknown) =>
  new StoreError({ operation: 'connect', reason: `cannot reach MongoDB ${where}: ${reasonOf(cause)}` })

/** Answers once the server does: a store that cannot reach its database fails at start, not at first use. */
const ping = (client: MongoClient, dbName: string, where: string) =>
  Effect.tryPromise({
    try: () => client.db(dbName).command({ ping: 1 }),
    catch: (cause) => unreachable(where, cause),
  })

/**
 * A connected client and the database to use, for the life of the scope. A client passed in is
 * used as it is and left open (its owner closes it); one made here is closed with the scope.
 */
export const connect = (
  options: ConnectionOptions,
): Effect.Effect<{ client: MongoClient; dbName: string }, StoreError, Scope.Scope> => {
  const { client, url = process.env.MONGODB_URL } = options
  if (client !== undefined) {
    const dbName = options.dbName ?? defaultDbName
    return ping(client, dbName, 'through the given client').pipe(Effect.as({ client, dbName }))
  }
  if (url === undefined || url === '')
    return Effect.fail(
      new StoreError({ operation: 'connect', reason: 'no MongoDB URL: pass `url` or set MONGODB_URL' }),
    )
  const dbName = options.dbName ?? databaseInUrl(url) ?? defaultDbName
  const open = Effect.try({
    try: () =>
      new MongoClient(url, {
        ...options.clientOptions,
        serverSelectionTimeoutMS:
          options.serverSelectionTimeoutMs ??
          options.clientOptions?.serverSelectionTimeoutMS ??
          defaultServerSelectionTimeoutMs,
      }),
    catch: (cause) =>
      new StoreError({
        operation: 'connect',
        reason: `invalid MongoDB URL ${redact(url)}: ${reasonOf(cause)}`,
      }),
  })
  const close = (opened: MongoClient) => Effect.promise(() => opened.close().catch(() => undefined))
  // Closed at once when the ping fails: a failed start leaves no client behind in the caller's scope.
  const openAndPing = Effect.flatMap(open, (opened) =>
    ping(opened, dbName, `at ${redact(url)}`).pipe(
      Effect.tapError(() => close(opened)),
      Effect.as(opened),
    ),
  )
  return Effect.acquireRelease(openAndPing, close).pipe(Effect.map((opened) => ({ client: opened, dbName })))
}
