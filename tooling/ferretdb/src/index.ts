/**
 * @countersign/ferretdb-harness — a MongoDB server for tests.
 *
 * `startMongo()` returns `MONGODB_URL` when it is set. Otherwise it starts FerretDB 1.x (an open-source
 * server that speaks the MongoDB wire protocol) on loopback, with its SQLite backend in a temporary
 * directory — or, with `backend: 'postgresql'`, its PostgreSQL backend over a throwaway PostgreSQL
 * server of its own (see `startPostgresql`). FerretDB runs inside a small Go launcher of ours
 * (`../launcher`), built from source with the local Go toolchain on first use and cached (see
 * `ensureLauncher`).
 *
 * `startFerretDb()` always starts a FerretDB of the caller's own, which it can stop and start again:
 * for tests of what happens while the database is away.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ensureLauncher } from './launcher.js'
import { startPostgresql, type PostgresqlServer } from './postgresql.js'
import { launch, type LaunchedFerretDb, type LaunchOptions } from './process.js'
import { say } from './say.js'

export { ensureLauncher, launcherCacheDir, launcherDir, launcherPath } from './launcher.js'
export { findPostgresqlBinaries, PostgresqlNotFound } from './postgresql.js'

/** FerretDB's storage: SQLite files (the default) or a PostgreSQL server, its production backend. */
export type FerretDbBackend = 'sqlite' | 'postgresql'

/** The processes serving a harness's server, for measuring them; none for `MONGODB_URL` or once stopped. */
export interface ServerProcesses {
  readonly ferretdb?: number | undefined
  /** The PostgreSQL postmaster, parent of its backends (the PostgreSQL backend only). */
  readonly postgresql?: number | undefined
}

/** A running MongoDB-compatible server. `stop()` is idempotent. */
export interface MongoServer {
  /** A connection string, e.g. `mongodb://127.0.0.1:40123/`. */
  readonly url: string
  /** Stops the server this harness started and removes its data; a no-op for `MONGODB_URL`. */
  stop(): Promise<void>
  readonly processes: () => ServerProcesses
}

export interface StartMongoOptions {
  /** Bound on launcher start-up plus the first successful `ping` (default 30s). */
  readonly startTimeoutMs?: number
  /** How long `stop()` waits after SIGTERM before SIGKILL (default 10s). */
  readonly stopTimeoutMs?: number
  /** FerretDB's backend (default `sqlite`); `postgresql` needs PostgreSQL's server binaries (initdb, postgres). */
  readonly backend?: FerretDbBackend
}

/**
 * A FerretDB of the caller's own that can go away and come back: on one loopback port, over one
 * data directory, for as long as it is not disposed. Its methods take effect one at a time, in the
 * order they are called.
 */
export interface FerretDbServer {
  /** A connection string, e.g. `mongodb://127.0.0.1:40123/`; the same across restarts. */
  readonly url: string
  /** Stops the server (SIGTERM, then SIGKILL), keeping its port and data for `start()`; a no-op when stopped. */
  readonly stop: () => Promise<void>
  /** Starts it again on the same port over the same data, resolving once it answers; a no-op when running. */
  readonly start: () => Promise<void>
  /** Stops it for good and deletes its data; idempotent. `start()` fails afterwards. */
  readonly dispose: () => Promise<void>
  readonly processes: () => ServerProcesses
}

/** FerretDB's storage for its lifetime: where it is, and how to delete it. */
const storageFor = async (
  backend: FerretDbBackend,
  options: StartMongoOptions,
): Promise<{
  storage: LaunchOptions['storage']
  postgresql?: PostgresqlServer
  remove: () => Promise<void>
}> => {
  if (backend === 'postgresql') {
    const postgresql = await startPostgresql(options)
    return { storage: { postgresqlUrl: postgresql.url }, postgresql, remove: postgresql.stop }
  }
  const dir = await mkdtemp(join(tmpdir(), 'countersign-ferretdb-'))
  return {
    storage: { sqliteDir: join(dir, 'data') },
    remove: () => rm(dir, { recursive: true, force: true }),
  }
}

/**
 * Starts a FerretDB on a kernel-assigned loopback port with its data in a new temporary directory
 * (SQLite) or a new PostgreSQL server (`backend: 'postgresql'`), whatever `MONGODB_URL` says: a
 * server a test may stop is never a shared one.
 */
export const startFerretDb = async (options: StartMongoOptions = {}): Promise<FerretDbServer> => {
  const binary = await ensureLauncher()
  const backend = options.backend ?? 'sqlite'
  const { storage, postgresql, remove } = await storageFor(backend, options)
  const launchOn = (listen: string) =>
    launch({
      binary,
      listen,
      storage,
      startTimeoutMs: options.startTimeoutMs ?? 30_000,
      stopTimeoutMs: options.stopTimeoutMs ?? 10_000,
    })

  let running: LaunchedFerretDb | undefined
  try {
    // Port 0: the launcher binds a free port itself and reports it, so no other process can take the
    // port between choosing and binding it. Restarts then bind that same port again.
    running = await launchOn('127.0.0.1:0')
  } catch (error) {
    await remove()
    throw error
  }
  const { address } = running
  if (postgresql) say(`FerretDB over that PostgreSQL at mongodb://${address}/`)

  // One change at a time: a start overtaking a stop could leave two servers on one data directory.
  let queue: Promise<unknown> = Promise.resolve()
  const serially = (change: () => Promise<void>): Promise<void> => {
    const next = queue.then(change)
    queue = next.catch(() => undefined)
    return next
  }
  let disposed = false
  const halt = async () => {
    await running?.stop()
    running = undefined
  }

  return {
    url: `mongodb://${address}/`,
    stop: () => serially(halt),
    start: () =>
      serially(async () => {
        if (disposed) throw new Error(`the FerretDB at ${address} was disposed: it cannot start again`)
        running ??= await launchOn(address)
      }),
    dispose: () =>
      serially(async () => {
        disposed = true
        await halt()
        await remove()
      }),
    processes: () => (disposed ? {} : { ferretdb: running?.pid, postgresql: postgresql?.pid }),
  }
}

/**
 * A MongoDB server for tests: `MONGODB_URL` if set, else a fresh FerretDB on a kernel-assigned loopback
 * port with its data (SQLite files, or a PostgreSQL server with `backend: 'postgresql'`) removed when
 * it stops.
 */
export const startMongo = async (options: StartMongoOptions = {}): Promise<MongoServer> => {
  const external = process.env.MONGODB_URL
  if (external) return { url: external, stop: () => Promise.resolve(), processes: () => ({}) }
  const server = await startFerretDb(options)
  return { url: server.url, stop: server.dispose, processes: server.processes }
}
