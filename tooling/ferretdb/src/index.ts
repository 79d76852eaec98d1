/**
 * @countersign/ferretdb-harness — a MongoDB server for tests.
 *
 * `startMongo()` returns `MONGODB_URL` when it is set. Otherwise it starts FerretDB 1.x (an open-source
 * server that speaks the MongoDB wire protocol) on loopback, with its SQLite backend in a temporary
 * directory. FerretDB runs inside a small Go launcher of ours (`../launcher`), built from source with the
 * local Go toolchain on first use and cached (see `ensureLauncher`).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { chmod, mkdir, mkdtemp, readFile, rename, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { MongoClient } from 'mongodb'

/** The Go launcher's sources; their content names the cached binary. */
export const launcherDir = fileURLToPath(new URL('../launcher/', import.meta.url))
const launcherSources = ['go.mod', 'go.sum', 'main.go'] as const
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))

/**
 * Where built launchers are kept: `$COUNTERSIGN_FERRETDB_CACHE` if set, else
 * `node_modules/.cache/countersign-ferretdb/` at the repository root.
 */
export const launcherCacheDir = (): string =>
  process.env.COUNTERSIGN_FERRETDB_CACHE || join(repoRoot, 'node_modules', '.cache', 'countersign-ferretdb')

const say = (message: string) => process.stdout.write(`==> ${message}\n`)

/** The launcher binary's path for the current sources (whether or not it is built yet). */
export const launcherPath = async (): Promise<string> => {
  const hash = createHash('sha256')
  for (const name of launcherSources) {
    hash.update(`${name}\0`)
    hash.update(await readFile(join(launcherDir, name)))
    hash.update('\0')
  }
  const exe = process.platform === 'win32' ? '.exe' : ''
  return join(launcherCacheDir(), `ferretdb-launcher-${hash.digest('hex').slice(0, 16)}${exe}`)
}

const isFile = async (path: string) => {
  try {
    return (await stat(path)).isFile()
  } catch {
    return false
  }
}

const goMissing = (goMod: string) => {
  const version = /^go (\S+)/m.exec(goMod)?.[1] ?? '1.24'
  return new Error(
    'The Go toolchain (`go`) was not found on PATH. The MongoDB tests build their FerretDB test server ' +
      `(tooling/ferretdb/launcher) with it on first use: install Go ${version} or newer from https://go.dev/dl/ ` +
      `and put its bin directory on PATH (a distribution's older Go 1.21+ also works: it fetches go${version} ` +
      'itself unless GOTOOLCHAIN=local). Or set MONGODB_URL to a MongoDB server the tests may use instead.',
  )
}

const build = async (target: string): Promise<void> => {
  await mkdir(launcherCacheDir(), { recursive: true })
  // Build beside the target, then rename: a concurrent build never sees a half-written binary.
  const partial = `${target}.partial-${process.pid}-${randomBytes(4).toString('hex')}`
  say(`building the FerretDB launcher (first run only): go build in ${launcherDir}`)
  const started = Date.now()
  const output: Buffer[] = []
  const goMod = await readFile(join(launcherDir, 'go.mod'), 'utf8')
  let spawnFailed = false
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(
        'go',
        ['build', '-mod=readonly', '-trimpath', '-buildvcs=false', '-o', partial, '.'],
        {
          cwd: launcherDir,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      )
      const collect = (chunk: Buffer) => {
        output.push(chunk)
        process.stderr.write(chunk) // "go: downloading ..." shows progress on a fresh machine
      }
      child.stdout.on('data', collect)
      child.stderr.on('data', collect)
      child.on('error', (error: NodeJS.ErrnoException) => {
        spawnFailed = true
        reject(error.code === 'ENOENT' ? goMissing(goMod) : error)
      })
      child.on('close', (code, signal) => {
        if (spawnFailed) return
        if (code === 0) resolve()
        else
          reject(
            new Error(
              `go build of the FerretDB launcher failed (${signal ?? `exit ${code}`}) in ${launcherDir}:\n` +
                Buffer.concat(output).toString(),
            ),
          )
      })
    })
    await chmod(partial, 0o755)
    await rename(partial, target)
  } finally {
    await rm(partial, { force: true })
  }
  say(`built the FerretDB launcher in ${((Date.now() - started) / 1000).toFixed(1)}s: ${target}`)
}

const builds = new Map<string, Promise<string>>()

/**
 * Builds the FerretDB launcher with `go build` unless a binary for the current sources is cached, and
 * returns its path. The binary is named by a hash of go.mod, go.sum and main.go, so editing them rebuilds.
 */
export const ensureLauncher = async (): Promise<string> => {
  const target = await launcherPath()
  let pending = builds.get(target)
  if (!pending) {
    pending = (async () => {
      if (!(await isFile(target))) await build(target)
      return target
    })()
    builds.set(target, pending)
    pending.catch(() => builds.delete(target))
  }
  return pending
}

/** A running MongoDB-compatible server. `stop()` is idempotent. */
export interface MongoServer {
  /** A connection string, e.g. `mongodb://127.0.0.1:40123/`. */
  readonly url: string
  /** Stops the server this harness started and removes its data; a no-op for `MONGODB_URL`. */
  stop(): Promise<void>
}

export interface StartMongoOptions {
  /** Bound on launcher start-up plus the first successful `ping` (default 30s). */
  readonly startTimeoutMs?: number
  /** How long `stop()` waits after SIGTERM before SIGKILL (default 10s). */
  readonly stopTimeoutMs?: number
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

/**
 * A MongoDB server for tests: `MONGODB_URL` if set, else a fresh FerretDB on a kernel-assigned loopback
 * port with its SQLite data in a new temporary directory.
 */
export const startMongo = async (options: StartMongoOptions = {}): Promise<MongoServer> => {
  const external = process.env.MONGODB_URL
  if (external) return { url: external, stop: () => Promise.resolve() }

  const binary = await ensureLauncher()
  const startTimeoutMs = options.startTimeoutMs ?? 30_000
  const stopTimeoutMs = options.stopTimeoutMs ?? 10_000
  const deadline = Date.now() + startTimeoutMs
  const dir = await mkdtemp(join(tmpdir(), 'countersign-ferretdb-'))

  // Port 0: the launcher binds a free port itself and reports it, so no other process can take the port
  // between choosing and binding it. -watch-stdin: if this process dies, the pipe closes and FerretDB stops.
  const child = spawn(binary, ['-listen', '127.0.0.1:0', '-dir', join(dir, 'data'), '-watch-stdin'], {
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
      if (!(await waitForExit(child, 0))) {
        child.kill('SIGTERM')
        if (!(await waitForExit(child, stopTimeoutMs))) {
          child.kill('SIGKILL')
          await waitForExit(child, 5_000)
        }
      }
      await rm(dir, { recursive: true, force: true })
    })())

  try {
    const address = await new Promise<string>((resolve, reject) => {
      const fail = (why: string) => {
        cleanup()
        reject(new Error(`FerretDB launcher ${binary} ${why}; its stderr:\n${tail(stderr) || '(empty)'}`))
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
      const timer = setTimeout(() => fail(`was not ready within ${startTimeoutMs}ms`), startTimeoutMs)
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
    const url = `mongodb://${address}/`
    await pingUntilUp(url, deadline)
    return { url, stop }
  } catch (error) {
    await stop()
    throw error
  }
}
