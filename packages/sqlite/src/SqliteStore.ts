import { join, resolve } from 'node:path'
import { RunStore, StoreError } from '@countersign/core'
import type Database from 'better-sqlite3'
import { Effect, Layer } from 'effect'
import { openDatabase } from './internal/connection.js'
import { makeRunStore, reasonOf } from './internal/store.js'

export { schemaVersion } from './internal/migrations.js'

export interface Options {
  /** The database file, created with its directory if missing. Defaults to `defaultPath()`. */
  readonly path?: string
  /** How long a write waits for another connection's lock before it fails, in milliseconds. */
  readonly busyTimeoutMs?: number
  /**
   * When a write reaches the disk (SQLite's `synchronous`). `'full'`, the default, syncs the log
   * at every commit: a decision or pause reported as stored survives a power cut or an OS crash.
   * `'normal'` syncs only when the log is checkpointed: several times faster, and what is stored
   * survives the process crashing or being killed, but a power cut or an OS crash may lose the
   * last commits (decisions, pauses, tool calls recorded as started) — never corrupt the file.
   */
  readonly synchronous?: Synchronous
}

export type Synchronous = 'full' | 'normal'

/**
 * A RunStore in one SQLite file: the zero-configuration durable store. Processes that open the
 * same file share its runs, one continuing what another paused. Close it when done: calls made
 * after that fail with StoreError.
 */
export interface SqliteStore extends RunStore {
  /** The absolute path of the database file (or `:memory:`). */
  readonly path: string
  /** Closes the database; closing again does nothing. */
  readonly close: () => void
}

/** `.countersign/countersign.db` under a directory, the current one by default. */
export const defaultPath = (directory: string = process.cwd()) =>
  join(directory, '.countersign', 'countersign.db')

/**
 * Opens the database, creating the file, its directory and its tables if missing, and returns a
 * store over it. Throws StoreError when the file cannot be opened, is not a database, or was
 * written by a newer version of this package.
 */
export const make = (options: Options = {}): SqliteStore => {
  const path = options.path === ':memory:' ? ':memory:' : resolve(options.path ?? defaultPath())
  const fail = (cause: unknown) =>
    new StoreError({ operation: 'open', reason: `${path}: ${reasonOf(cause)}` })
  let db: Database.Database
  try {
    db = openDatabase(path, options.busyTimeoutMs ?? 5_000, options.synchronous ?? 'full')
  } catch (cause) {
    throw fail(cause)
  }
  try {
    return {
      ...makeRunStore(db),
      path,
      close: () => {
        if (db.open) db.close()
      },
    }
  } catch (cause) {
    db.close()
    throw fail(cause)
  }
}

/** `make` as an Effect. */
export const open = (options: Options = {}): Effect.Effect<SqliteStore, StoreError> =>
  Effect.try({
    try: () => make(options),
    catch: (cause) =>
      cause instanceof StoreError ? cause : new StoreError({ operation: 'open', reason: reasonOf(cause) }),
  })

/** The store as the RunStore service, closed when the layer's scope ends. */
export const layer = (options: Options = {}): Layer.Layer<RunStore, StoreError> =>
  Layer.scoped(
    RunStore,
    Effect.acquireRelease(open(options), (store) => Effect.sync(store.close)),
  )
