/**
 * One run of the FerretDB launcher: a process serving one data directory on one address, from the
 * moment it answers `ping` until it is stopped.
 */
import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { createInterface } from 'node:readline'
import { MongoClient } from 'mongodb'

export interface LaunchOptions {
  /** The launcher binary (see `ensureLauncher`). */
  readonly binary: string
  /** `host:port` to listen on; port 0 lets the launcher bind a free port itself. */
  readonly listen: string
  /** Where FerretDB keeps its data: a SQLite data directory (created if missing), or a PostgreSQL server. */
  readonly storage: { readonly sqliteDir: string } | { readonly postgresqlUrl: string }
  /** Bound on launcher start-up plus the first successful `ping`. */
  readonly startTimeoutMs: number
  /** How long `stop()` waits after SIGTERM before SIGKILL. */
  readonly stopTimeoutMs: number
}

export interface LaunchedFerretDb {
  /** The address it listens on, e.g. `127.0.0.1:40123`. */
  readonly address: string
  /** The launcher's process id. */
  readonly pid: number
  /** Stops the process (SIGTERM, then SIGKILL after the stop timeout); idempotent. The data stays. */
  readonly stop: () => Promise<void>
}

const tail = (chunks: string[]) => chunks.join('').slice(-8_000)

const waitForExit = (child: ChildProcess, ms: number): Promise<boolean> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(true)
    const timer = setTimeout(() => resolve(false), ms)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve(true)
    })
  })

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Answers once `{ ping: 1 }` succeeds, retrying (bounded by `deadline`). */
const pingUntilUp = async (url: string, deadline: number): Promise<void> => {
  let lastError: unknown
  for (let attempt = 1; ; attempt++) {
    const client = new MongoClient(url, {
      serverSelectionTimeoutMS: Math.max(500, Math.min(5_000, deadline - Date.now())),
      connectTimeoutMS: 5_000,
    })
    try {
      await client.db('admin').command({ ping: 1 })
      return
    } catch (error) {
      lastError = error
    } finally {
      await client.close()
    }
    if (Date.now() + 200 >= deadline) {
      throw new Error(`FerretDB at ${url} did not answer ping after ${attempt} attempts`, {
        cause: lastError,
      })
    }
    await sleep(200)
  }
}

/** The address the launcher reports on its `ready <addr>` line. */
const readyAddress = (child: ChildProcessWithoutNullStreams, options: LaunchOptions, stderr: string[]) =>
  new Promise<string>((resolve, reject) => {
    const fail = (why: string) => {
      cleanup()
      reject(
        new Error(`FerretDB launcher ${options.binary} ${why}; its stderr:\n${tail(stderr) || '(empty)'}`),
      )
    }
    const lines = createInterface({ input: child.stdout })
    const onLine = (line: string) => {
      const match = /^ready (\S+)$/.exec(line.trim())
      if (match?.[1]) {
        cleanup()
        resolve(match[1])
      }
    }
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      fail(`exited before it was ready (${signal ?? `exit ${code}`})`)
    const onError = (error: Error) => fail(`could not be started (${error.message})`)
    const timer = setTimeout(
      () => fail(`was not ready within ${options.startTimeoutMs}ms`),
      options.startTimeoutMs,
    )
    const cleanup = () => {
      clearTimeout(timer)
      lines.off('line', onLine)
      child.off('exit', onExit)
      child.off('error', onError)
    }
    lines.on('line', onLine)
    child.on('exit', onExit)
    child.on('error', onError)
  })

/** Starts the launcher and resolves once the server answers `ping`; on failure the process is stopped. */
export const launch = async (options: LaunchOptions): Promise<LaunchedFerretDb> => {
  const deadline = Date.now() + options.startTimeoutMs
  // -watch-stdin: if this process dies, the pipe closes and FerretDB stops.
  const storage =
    'sqliteDir' in options.storage
      ? ['-dir', options.storage.sqliteDir]
      : ['-postgresql-url', options.storage.postgresqlUrl]
  const child = spawn(options.binary, ['-listen', options.listen, ...storage, '-watch-stdin'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  const stderr: string[] = []
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (chunk: string) => {
    stderr.push(chunk)
    if (stderr.length > 200) stderr.splice(0, 100)
  })
  // The server must not keep this process alive on its own (a forgotten stop() must not hang the tests).
  child.unref()
  for (const stream of [child.stdin, child.stdout, child.stderr]) {
    ;(stream as unknown as { unref?: () => void }).unref?.()
  }

  let stopping: Promise<void> | undefined
  const stop = () =>
    (stopping ??= (async () => {
      if (await waitForExit(child, 0)) return
      child.kill('SIGTERM')
      if (!(await waitForExit(child, options.stopTimeoutMs))) {
        child.kill('SIGKILL')
        await waitForExit(child, 5_000)
      }
    })())

  try {
    const address = await readyAddress(child, options, stderr)
    await pingUntilUp(`mongodb://${address}/`, deadline)
    return { address, pid: child.pid!, stop }
  } catch (error) {
    await stop()
    throw error
  }
}
