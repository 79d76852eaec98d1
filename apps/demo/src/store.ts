/**
 * Where the demo keeps its runs: in MongoDB when MONGODB_URL is set, else in the embedded store's
 * SQLite file (COUNTERSIGN_DB, or `.countersign/countersign.db` under the current directory), so
 * that a run left paused is still there after the demo exits.
 */
import type { RunStore } from '@countersign/core'
import { MongoStore } from '@countersign/mongodb'
import { SqliteStore } from '@countersign/sqlite'
import { Effect, Exit, Scope } from 'effect'

export interface DemoStore {
  readonly store: RunStore
  /** Which store this is, for the demo to say. */
  readonly description: string
  readonly close: () => Promise<void>
}

export const openStore = async (): Promise<DemoStore> => {
  const url = process.env.MONGODB_URL
  if (url) {
    const scope = Effect.runSync(Scope.make())
    const store = await Effect.runPromise(Scope.extend(MongoStore.make({ url }), scope))
    return {
      store,
      // Not the URL: it may hold credentials.
      description: `MongoDB (MONGODB_URL), database "${store.dbName}"`,
      close: () => Effect.runPromise(Scope.close(scope, Exit.void)),
    }
  }
  const store = SqliteStore.make({ path: process.env.COUNTERSIGN_DB || SqliteStore.defaultPath() })
  return {
    store,
    description: `SQLite file ${store.path} (set MONGODB_URL to use MongoDB)`,
    close: () => Promise.resolve(store.close()),
  }
}
