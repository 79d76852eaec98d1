/**
 * A throwaway PostgreSQL server for FerretDB's PostgreSQL backend: a new cluster (`initdb`) in a
 * temporary directory, listening on a Unix socket in that directory only (no TCP port), trust
 * authentication for its one user, and the server's settings otherwise PostgreSQL's defaults
 * (`fsync` on). Stopping it shuts it down and deletes the directory.
 *
 * PostgreSQL refuses to run as root: when this process is root, `initdb` and the server run as an
 * unprivileged account (`postgres`, else `nobody`) that owns the directory.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { access, chown, constants, mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { createInterface } from 'node:readline'
import { say } from './say.js'

/** PostgreSQL's server binaries could not be found: the PostgreSQL backend cannot start. */
export class PostgresqlNotFound extends Error {
  override readonly name = 'PostgresqlNotFound'
  constructor(searched: string) {
    super(
      `PostgreSQL's server binaries (initdb and postgres) were not found on PATH nor in ${searched}: ` +
        'install PostgreSQL (Debian: apt-get install postgresql) or use FerretDB’s SQLite backend.',
    )
  }
}

const debianInstallRoot = '/usr/lib/postgresql'

const executable = async (path: string) => {
  try {
    await access(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

const hasServerBinaries = async (dir: string) =>
  (await executable(join(dir, 'initdb'))) && (await executable(join(dir, 'postgres')))

/**
 * The directory holding `initdb` and `postgres`: the first on `path` that has both, else the newest
 * version under `installRoot` (Debian's `/usr/lib/postgresql/<version>/bin`, which is not on PATH).
 */
export const findPostgresqlBinaries = async (
  options: { readonly path?: string; readonly installRoot?: string } = {},
): Promise<string> => {
  const installRoot = options.installRoot ?? debianInstallRoot
  for (const dir of (options.path ?? process.env.PATH ?? '').split(delimiter)) {
    if (dir !== '' && (await hasServerBinaries(dir))) return dir
  }
  const versions = await readdir(installRoot).catch(() => [] as Array<string>)
  versions.sort((a, b) => Number(b) - Number(a) || b.localeCompare(a))
  for (const version of versions) {
    const dir = join(installRoot, version, 'bin')
    if (await hasServerBinaries(dir)) return dir
  }
  throw new PostgresqlNotFound(`${installRoot}/*/bin`)
}

interface Account {
  readonly name: string
  readonly uid: number
  readonly gid: number
}

/** The account PostgreSQL runs as when this process is root: `postgres`, else `nobody`. */
const unprivilegedAccount = async (): Promise<Account> => {
  const accounts = (await readFile('/etc/passwd', 'utf8')).split('\n').map((line) => line.split(':'))
  for (const wanted of ['postgres', 'nobody']) {
    const entry = accounts.find(([name]) => name === wanted)
    if (entry) return { name: wanted, uid: Number(entry[2]), gid: Number(entry[3]) }
  }
  throw new Error(
    'PostgreSQL refuses to run as root, and neither a `postgres` nor a `nobody` account exists to run it as',
  )
}

const tail = (chunks: Array<string>) => chunks.join('').slice(-8_000)

/** Runs a command to its end, failing with its output when it does not succeed. */
const run = (command: string, args: Array<string>, as: Account | undefined) =>
  new Promise<void>((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], uid: as?.uid, gid: as?.gid })
    const output: Array<string> = []
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk))
    child.on('error', reject)
    child.on('close', (code, signal) =>
      code === 0
        ? resolve()
        : reject(new Error(`${command} failed (${signal ?? `exit ${code}`}):\n${tail(output)}`)),
    )
  })

/**
 * The server runs under a shell that stops it (fast shutdown) when its standard input closes: when
 * `stop()` closes it, and when this process dies without stopping it, so it cannot outlive us.
 */
const supervised = 'trap "" INT TERM; "$@" & echo "postmaster $!"; cat >/dev/null; kill -INT $!; wait $!'

export interface PostgresqlServer {
  /** A connection string for FerretDB, e.g. `postgres://ferretdb@/postgres?host=/tmp/…`. */
  readonly url: string
  /** The postmaster's process id (its backends are its children). */
  readonly pid: number
  /** Shuts the server down (SIGKILL after `stopTimeoutMs`) and deletes its directory; idempotent. */
  readonly stop: () => Promise<void>
}

export interface StartPostgresqlOptions {
  /** Bound on `initdb` plus the server's start (default 60s). */
  readonly startTimeoutMs?: number
  /** How long `stop()` waits for a fast shutdown before SIGKILL (default 10s). */
  readonly stopTimeoutMs?: number
}

const user = 'ferretdb'

const killIfAlive = (pid: number) => {
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    // gone already
  }
}

/** Creates a PostgreSQL cluster in a new temporary directory and starts a server on it. */
export const startPostgresql = async (options: StartPostgresqlOptions = {}): Promise<PostgresqlServer> => {
  const bin = await findPostgresqlBinaries()
  const as = process.getuid?.() === 0 ? await unprivilegedAccount() : undefined
  const dir = await mkdtemp(join(tmpdir(), 'countersign-postgresql-'))
  const dataDir = join(dir, 'data')
  say(
    `starting a throwaway PostgreSQL (${bin}${as ? `, as user ${as.name} since this process is root` : ''}) ` +
      `in ${dir}, on a Unix socket there`,
  )
  let child: ChildProcessWithoutNullStreams | undefined
  let postmaster: number | undefined
  let stopping: Promise<void> | undefined
  const stop = () =>
    (stopping ??= (async () => {
      if (child && child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child!.once('exit', resolve))
        child.stdin.end()
        const timer = setTimeout(() => {
          child!.kill('SIGKILL')
          if (postmaster !== undefined) killIfAlive(postmaster)
        }, options.stopTimeoutMs ?? 10_000)
        await exited
        clearTimeout(timer)
      }
      await rm(dir, { recursive: true, force: true })
    })())
  try {
    if (as) await chown(dir, as.uid, as.gid)
    // --no-sync: initdb's own flush of a directory thrown away after the run; the server keeps fsync on.
    await run(join(bin, 'initdb'), ['-D', dataDir, '-U', user, '-A', 'trust', '-E', 'UTF8', '--no-sync'], as)
    const args = ['-D', dataDir, '-k', dir, '-c', 'listen_addresses=', '-p', '5432']
    child = spawn('sh', ['-c', supervised, 'postgresql', join(bin, 'postgres'), ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      uid: as?.uid,
      gid: as?.gid,
    })
    child.unref()
    for (const stream of [child.stdin, child.stdout, child.stderr]) {
      ;(stream as unknown as { unref?: () => void }).unref?.()
    }
    postmaster = await ready(child, options.startTimeoutMs ?? 60_000)
  } catch (error) {
    await stop()
    throw error
  }
  return { url: `postgres://${user}@/postgres?host=${encodeURIComponent(dir)}`, pid: postmaster, stop }
}

/** Resolves with the postmaster's pid once it logs that it accepts connections. */
const ready = (child: ChildProcessWithoutNullStreams, timeoutMs: number) =>
  new Promise<number>((resolve, reject) => {
    const log: Array<string> = []
    let pid: number | undefined
    let accepting = false
    const fail = (why: string) => {
      clearTimeout(timer)
      reject(new Error(`PostgreSQL ${why}; its log:\n${tail(log) || '(empty)'}`))
    }
    const timer = setTimeout(() => fail(`was not ready within ${timeoutMs}ms`), timeoutMs)
    // Two pipes, in no set order: the shell's line naming the postmaster, and the server's log.
    const settle = () => {
      if (pid === undefined || !accepting) return
      clearTimeout(timer)
      resolve(pid)
    }
    // Both are read for the server's whole life: a pipe nobody reads would block its logging.
    createInterface({ input: child.stdout }).on('line', (line) => {
      pid ??= Number(/^postmaster (\d+)$/.exec(line)?.[1]) || undefined
      settle()
    })
    createInterface({ input: child.stderr }).on('line', (line) => {
      log.push(`${line}\n`)
      if (log.length > 200) log.splice(0, 100)
      accepting ||= line.includes('database system is ready to accept connections')
      settle()
    })
    child.once('exit', (code, signal) => fail(`exited before it was ready (${signal ?? `exit ${code}`})`))
    child.once('error', (error) => fail(`could not be started (${error.message})`))
  })
