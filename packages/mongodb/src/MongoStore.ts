import { RunStore, type StoreError } from '@countersign/core'
import { Cause, Effect, Exit, Layer, Scope } from 'effect'
import type { MongoClient, MongoClientOptions } from 'mongodb'
import { applyBackfills } from './internal/backfills.js'
import { collectionsOf, ensureIndexes } from './internal/collections.js'
import { connect as connectClient } from './internal/connection.js'
import { attempt } from './internal/errors.js'
import { makeRunStore } from './internal/store.js'

export { collectionNames, indexes, schemaVersion } from './internal/collections.js'
export { defaultDbName, defaultServerSelectionTimeoutMs } from './internal/connection.js'

export interface Options {
  /** The connection string. Defaults to `MONGODB_URL`. Not used when `client` is given. */
  readonly url?: string
  /** The database. Defaults to the one named in the URL's path, else `countersign`. */
  readonly dbName?: string
  /** A client to use instead of connecting: the store never closes it (its owner does). */
  readonly client?: MongoClient
  /**
   * How long an operation looks for a usable server before it fails, in milliseconds (default
   * 5000). It also bounds how long starting waits for a server that is not there.
   */
  readonly serverSelectionTimeoutMs?: number
  /** Further driver options for the client the store makes: TLS, credentials, pool size, monitoring. */
  readonly clientOptions?: MongoClientOptions
  /** Create the indexes at start (default true). Turn off where indexes are managed separately. */
  readonly ensureIndexes?: boolean
  /** Backfill documents written by earlier versions at start (default true): see `migrate`. */
  readonly migrate?: boolean
}

/**
 * A RunStore in MongoDB, on any deployment (standalone, replica set, Atlas) or FerretDB: it
 * relies only on single-document writes and unique keys, so servers sharing the database
 * continue each other's runs and agree on every decision.
 *
 * So the approval queue's journal numbers a change just after its approval's write, from a
 * counter: a reader may see a change before one numbered lower, and a process killed between
 * the two writes leaves a number unused. The change feed waits for a missing number up to its
 * grace period (`approvalChangeGracePeriod`) before it goes past it.
 */
export interface MongoStore extends RunStore {
  /** The database the store uses. */
  readonly dbName: string
  /** Creates the indexes the store's queries use, where missing; safe to call any number of times. */
  readonly ensureIndexes: () => Effect.Effect<void, StoreError>
  /**
   * Gives documents written by earlier versions of this package the fields this one queries on
   * (`createdAt` and `parentRunId` of runs, for `listRuns`), once per database: each backfill is
   * recorded in `migrations` when done. Safe to run from several servers at once.
   */
  readonly migrate: () => Effect.Effect<void, StoreError>
}

/**
 * Connects (or uses the given client), checks that the server answers, creates the indexes and
 * backfills older documents unless told not to, and returns the store. The client it made is
 * closed when the scope ends; calls made after that fail with StoreError. Fails with StoreError
 * ("cannot reach MongoDB at …") when the server does not answer within the server selection
 * timeout.
 */
export const make = (options: Options = {}): Effect.Effect<MongoStore, StoreError, Scope.Scope> =>
  Effect.gen(function* () {
    const { client, dbName } = yield* connectClient(options)
    const db = client.db(dbName)
    const store: MongoStore = {
      ...makeRunStore(db),
      dbName,
      ensureIndexes: () => attempt('ensureIndexes', () => ensureIndexes(db)),
      migrate: () => attempt('migrate', () => applyBackfills(collectionsOf(db), 'migrate')),
    }
    if (options.ensureIndexes ?? true) yield* store.ensureIndexes()
    if (options.migrate ?? true) yield* store.migrate()
    return store
  })

/**
 * `make` for code that does not use Effect: resolves to the store and a `close` that releases the
 * client it made; rejects with StoreError like `make` fails.
 */
export const connect = async (
  options: Options = {},
): Promise<MongoStore & { readonly close: () => Promise<void> }> => {
  const scope = Effect.runSync(Scope.make())
  const close = () => Effect.runPromise(Scope.close(scope, Exit.void))
  const exit = await Effect.runPromiseExit(Scope.extend(make(options), scope))
  if (Exit.isSuccess(exit)) return { ...exit.value, close }
  await close()
  throw Cause.squash(exit.cause)
}

/** The store as the RunStore service, its client closed when the layer's scope ends. */
export const layer = (options: Options = {}): Layer.Layer<RunStore, StoreError> =>
  Layer.scoped(RunStore, make(options))
