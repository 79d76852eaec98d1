/**
 * The scale-out benchmark: three server processes on one MongoDB (`MONGODB_URL`, else a FerretDB
 * the harness starts, over PostgreSQL or SQLite: `BENCH_FERRETDB_BACKEND`), with 1, 100 and 1,000 open subscriptions spread across them — half
 * following a paused run each (`runs.events`), half the approval queue (`approvals.changes`).
 * For each number it measures the database reads per second of the fleet (the servers count their
 * store's commands), idle and under a steady rate of runs, and resolve → RunContinued at a
 * subscriber on another server than the one resolving. Prints a table and writes the figures to
 * bench/results/scale-out.json. See bench/README.md.
 */
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { createClient } from '@countersign/client'
import { Resolutions } from '@countersign/core'
import {
  type FerretDbBackend,
  findPostgresqlBinaries,
  type MongoServer,
  PostgresqlNotFound,
  startMongo,
} from '@countersign/ferretdb-harness'
import { type ServerProcess, startServerProcess } from '@countersign/server/testing'
import { MongoClient } from 'mongodb'
import { WebSocket } from 'ws'
import { agentId, input } from './confirmOnce.js'
import { benchToken } from './internal/credentials.js'
import { publish, say } from './output.js'
import { fixed } from './report.js'
import { type Latency, latency } from './stats.js'

const numberSetting = (name: string, fallback: number) => {
  const value = process.env[name]
  return value === undefined ? fallback : Number(value)
}
const subscriptionCounts = (process.env['BENCH_SUBSCRIPTIONS'] ?? '1,100,1000').split(',').map(Number)
const windowMs = numberSetting('BENCH_WINDOW_MS', 5_000)
const runsPerSecond = numberSetting('BENCH_RUNS_PER_SECOND', 4)
const latencySamples = numberSetting('BENCH_LATENCY_SAMPLES', 40)
const pollIntervalMs = 200
/** Runs the run subscriptions follow, shared when there are more subscriptions: the engine reads each once anyway. */
const followedRuns = numberSetting('BENCH_FOLLOWED_RUNS', 100)
/** How long one step may take (subscriptions opening, a run timed, the steady runs ending) before the bench gives up. */
const stepTimeoutMs = numberSetting('BENCH_STEP_TIMEOUT_MS', 120_000)
/**
 * How long after its pause a timed run is resolved. A person decides seconds after a pause: with 0,
 * the resume's events can share the store's notice of the pause (the events' mark, on MongoDB).
 */
const decideAfterMs = numberSetting('BENCH_DECIDE_AFTER_MS', 0)
const backends: ReadonlyArray<string> = ['postgresql', 'sqlite'] satisfies Array<FerretDbBackend>

/**
 * FerretDB's backend: `BENCH_FERRETDB_BACKEND`, else PostgreSQL — FerretDB's production backend,
 * which has PostgreSQL evaluate the equality filters it pushes down — when its binaries are here,
 * else SQLite.
 */
const chooseBackend = async (): Promise<FerretDbBackend> => {
  const chosen = process.env['BENCH_FERRETDB_BACKEND']
  if (chosen !== undefined) {
    if (!backends.includes(chosen))
      throw new Error(`BENCH_FERRETDB_BACKEND must be one of ${backends.join(', ')}, not ${chosen}`)
    return chosen as FerretDbBackend
  }
  try {
    await findPostgresqlBinaries()
    return 'postgresql'
  } catch (error) {
    if (!(error instanceof PostgresqlNotFound)) throw error
    say(`FerretDB over SQLite: ${error.message}`)
    return 'sqlite'
  }
}

const entry = fileURLToPath(new URL('./internal/scaleOutEntry.ts', import.meta.url))

type Client = ReturnType<typeof createClient>

interface Level {
  readonly subscriptions: number
  /** The machine's load average (1 minute) when the level started: the others' work, on a shared machine. */
  readonly loadAverage: number
  readonly idleReadsPerSecond: number
  /** The CPU the harness's database processes spent while idle, in percent of one core (none on `MONGODB_URL`). */
  readonly idleDatabaseCpu: DatabaseCpu
  /** The same, under the steady rate of runs. */
  readonly steadyDatabaseCpu: DatabaseCpu
  readonly idleReadsPerServer: ReadonlyArray<number>
  readonly steadyReadsPerSecond: number
  readonly steadyWritesPerSecond: number
  readonly runsPerSecond: number
  /** Steady runs that failed (a store refusing a write under load, say). */
  readonly steadyRunsFailed: number
  /** The events stored as A → C was timed: on FerretDB, what a query it does not push down reads. */
  readonly eventsStored: number
  readonly crossServer: Latency
  /** Where C's store time went while A → C was timed: the kinds of command that took most. */
  readonly observerStoreTime: Awaited<ReturnType<typeof storeTimeOf>>
  /** The same, the subscriber on A, the server resolving: what the store and the run cost without the poll. */
  readonly sameServer: Latency
}

/** The store commands each server has sent so far. */
const commandsOf = async (server: ServerProcess) => {
  const answer = server.nextLine((line) => line.startsWith('commands '))
  server.send('commands')
  const [, reads, writes] = (await answer).split(' ')
  return { reads: Number(reads), writes: Number(writes) }
}

type Timings = Record<string, { count: number; totalMs: number }>

/** The store commands a server has sent so far by kind (`find events _id:$in`), with the time they took. */
const timingsOf = async (server: ServerProcess): Promise<Timings> => {
  const answer = server.nextLine((line) => line.startsWith('timings '))
  server.send('timings')
  return JSON.parse((await answer).slice('timings '.length)) as Timings
}

/** Where a server's store time went over `during`: the kinds of command that took most, slowest first. */
const storeTimeOf = async (server: ServerProcess, during: () => Promise<void>) => {
  const before = await timingsOf(server)
  await during()
  const after = await timingsOf(server)
  return Object.entries(after)
    .map(([kind, { count, totalMs }]) => {
      const earlier = before[kind] ?? { count: 0, totalMs: 0 }
      return { kind, count: count - earlier.count, totalMs: totalMs - earlier.totalMs }
    })
    .filter(({ count }) => count > 0)
    .sort((a, b) => b.totalMs - a.totalMs)
    .slice(0, 5)
    .map(({ kind, count, totalMs }) => ({ kind, count, meanMs: totalMs / count, totalMs }))
}

/** Reads and writes a second of each server over `during` (which takes its own time). */
const rates = async (servers: ReadonlyArray<ServerProcess>, during: () => Promise<void>) => {
  const before = await Promise.all(servers.map(commandsOf))
  const started = performance.now()
  await during()
  const seconds = (performance.now() - started) / 1_000
  const after = await Promise.all(servers.map(commandsOf))
  return after.map((counts, index) => ({
    reads: (counts.reads - before[index]!.reads) / seconds,
    writes: (counts.writes - before[index]!.writes) / seconds,
  }))
}

/** `promise`, or a failure naming `step` once it has taken `stepTimeoutMs`: a bench that waits forever says nothing. */
const bounded = <A>(step: string, promise: Promise<A>): Promise<A> => {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${step} took over ${stepTimeoutMs} ms`)), stepTimeoutMs)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/**
 * A process's CPU time so far, user and system, in milliseconds, with its children's: those it has
 * waited for (a PostgreSQL backend that ended) and those alive (every backend). Linux `/proc`, clock
 * ticks of 10 ms; undefined when the process is gone or `/proc` cannot be read.
 */
const treeCpuMsOf = (pid: number): number | undefined => {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    const own = [11, 12, 13, 14].reduce((total, field) => total + Number(fields[field]) * 10, 0)
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean)
    return children.reduce((total, child) => total + (treeCpuMsOf(Number(child)) ?? 0), own)
  } catch {
    return undefined
  }
}

/** Percent of one core: FerretDB's process and PostgreSQL's (the postmaster and every backend). */
interface DatabaseCpu {
  readonly ferretdb: number | undefined
  readonly postgresql: number | undefined
}

/** The CPU the harness's database processes spent over `during`, in percent of one core. */
const databaseCpu = async (mongo: MongoServer, during: () => Promise<void>): Promise<DatabaseCpu> => {
  const { ferretdb, postgresql } = mongo.processes()
  const spent = () => [ferretdb, postgresql].map((pid) => (pid === undefined ? undefined : treeCpuMsOf(pid)))
  const before = spent()
  const started = performance.now()
  await during()
  const ms = performance.now() - started
  const [ferretdbPercent, postgresqlPercent] = spent().map((after, index) => {
    const first = before[index]
    return after === undefined || first === undefined ? undefined : ((after - first) / ms) * 100
  })
  return { ferretdb: ferretdbPercent, postgresql: postgresqlPercent }
}

const sum = (values: ReadonlyArray<number>) => values.reduce((total, value) => total + value, 0)

/** A run paused on its one confirmation. */
const pausedRun = async (client: Client) => {
  const run = await client.runs.start(agentId, input)
  return { runId: run.runId, requirementId: run.activeRequirementIds[0]! }
}

/** How many subscriptions open at a time: each reads the store as it opens, a scan of `events` on FerretDB. */
const openingBatch = 100

/**
 * `count` subscriptions, the i-th on server i mod 3: even ones follow a paused run of their own, odd
 * ones the queue. Opened `openingBatch` at a time, each batch once its run subscriptions saw their
 * pause, each bounded: what the servers' store takes to open them shows as progress, not a stall.
 */
const subscribe = async (
  clients: ReadonlyArray<Client>,
  runs: ReadonlyArray<{ runId: string }>,
  count: number,
) => {
  const subscriptions: Array<{ unsubscribe: () => void }> = []
  for (let first = 0; first < count; first += openingBatch) {
    const live: Array<Promise<void>> = []
    for (let index = first; index < Math.min(count, first + openingBatch); index++) {
      const client = clients[index % clients.length]!
      if (index % 2 === 1) {
        subscriptions.push(client.approvalChanges({ onChange: () => undefined }))
        continue
      }
      let sawPause!: () => void
      live.push(new Promise<void>((resolve) => (sawPause = resolve)))
      subscriptions.push(
        client.runEvents(runs[(index / 2) % runs.length]!.runId, {
          onEvent: (event) => {
            if (event._tag === 'RunPaused') sawPause()
          },
        }),
      )
    }
    const started = performance.now()
    await bounded(`opening subscriptions ${first + 1} to ${first + openingBatch}`, Promise.all(live))
    if (count > openingBatch)
      say(
        `  opened ${Math.min(count, first + openingBatch)} in all (${fixed(performance.now() - started, 0)} ms)`,
      )
  }
  return () => subscriptions.forEach((subscription) => subscription.unsubscribe())
}

/**
 * Starts a run through one server and completes it through another, `perSecond` of them, until
 * stopped; answers how many completed and how many failed (a store refusing a write under load,
 * say: counted and reported, not the end of the bench).
 */
const steadyRuns = (starter: Client, decider: Client, perSecond: number) => {
  let stopped = false
  let started = 0
  let failed = 0
  const going: Array<Promise<unknown>> = []
  const loop = (async () => {
    const begin = performance.now()
    while (!stopped) {
      started++
      going.push(
        pausedRun(starter)
          .then(({ runId, requirementId }) =>
            decider.runs.continue(runId, [Resolutions.confirm(requirementId)]),
          )
          .catch((error: unknown) => {
            if (failed++ === 0)
              say(`a steady run failed: ${error instanceof Error ? error.message : String(error)}`)
          }),
      )
      const next = begin + (started * 1_000) / perSecond
      await sleep(Math.max(0, next - performance.now()))
    }
  })()
  return async () => {
    stopped = true
    await loop
    await bounded('the steady runs ending', Promise.all(going))
    return { completed: started - failed, failed }
  }
}

/** Resolve through `decider` → RunContinued at a subscriber of `observer` (the same server or another), one run at a time. */
const resolveToContinued = async (decider: Client, observer: Client, samples: number) => {
  const durations: Array<number> = []
  for (let sample = 0; sample < samples; sample++) {
    const { runId, requirementId } = await pausedRun(decider)
    const measured = new Promise<number>((resolve, reject) => {
      let paused = false
      let sent = 0
      const decide = () => {
        sent = performance.now()
        decider.runs.continue(runId, [Resolutions.confirm(requirementId)]).catch(reject)
      }
      const subscription = observer.runEvents(runId, {
        onEvent: (event) => {
          if (event._tag === 'RunPaused' && !paused) {
            paused = true
            if (decideAfterMs > 0) setTimeout(decide, decideAfterMs)
            else decide()
          }
          if (event._tag === 'RunContinued') {
            subscription.unsubscribe()
            resolve(performance.now() - sent)
          }
        },
        onError: reject,
      })
    })
    durations.push(await bounded(`run ${runId} timed`, measured))
  }
  return latency(durations)
}

const main = async () => {
  const backend = await chooseBackend()
  const mongo = await startMongo({ backend })
  const dbName = `countersign_bench_${randomBytes(6).toString('hex')}`
  const described = process.env['MONGODB_URL'] ? 'MONGODB_URL' : `FerretDB over ${backend} (harness)`
  say(`three servers on ${described}`)
  /** The bench's own client: it counts what is stored, and drops the database at the end. */
  const database = await new MongoClient(mongo.url).connect()
  const first = await startServerProcess(entry, [mongo.url, dbName])
  const servers = [
    first,
    ...(await Promise.all([1, 2].map(() => startServerProcess(entry, [mongo.url, dbName])))),
  ]
  const clients = servers.map((server) => createClient({ url: server.url, token: benchToken, WebSocket }))
  const levels: Array<Level> = []
  try {
    const most = Math.max(...subscriptionCounts)
    const runCount = Math.min(followedRuns, Math.ceil(most / 2))
    say(`pausing ${runCount} runs to follow`)
    const runs: Array<{ runId: string }> = []
    while (runs.length < runCount) runs.push(await pausedRun(clients[runs.length % 3]!))
    for (const count of subscriptionCounts) {
      const loadAverage = loadavg()[0]!
      say(`${count} subscriptions: opening (load average ${fixed(loadAverage, 1)})`)
      const unsubscribe = await subscribe(clients, runs, count)
      // Subscriptions opening read the store: measure once they are all following.
      await sleep(4 * pollIntervalMs)
      say(`${count} subscriptions: idle for ${windowMs} ms`)
      let idle: Awaited<ReturnType<typeof rates>> = []
      const idleDatabaseCpu = await databaseCpu(mongo, async () => {
        idle = await rates(servers, () => sleep(windowMs))
      })
      say(`${count} subscriptions: ${runsPerSecond} runs/s for ${windowMs} ms`)
      let ran = { completed: 0, failed: 0 }
      let steady: Awaited<ReturnType<typeof rates>> = []
      const steadyDatabaseCpu = await databaseCpu(mongo, async () => {
        steady = await rates(servers, async () => {
          const stop = steadyRuns(clients[0]!, clients[1]!, runsPerSecond)
          await sleep(windowMs)
          ran = await stop()
        })
      })
      say(`${count} subscriptions: resolve through A → RunContinued at C, ${latencySamples} runs`)
      const eventsStored = await database.db(dbName).collection('events').countDocuments()
      let crossServer!: Latency
      const observerStoreTime = await storeTimeOf(servers[2]!, async () => {
        crossServer = await resolveToContinued(clients[0]!, clients[2]!, latencySamples)
      })
      for (const { kind, count, meanMs } of observerStoreTime)
        say(`  on C: ${kind}: ${count} × ${fixed(meanMs, 1)} ms`)
      say(`${count} subscriptions: resolve through A → RunContinued at A, ${latencySamples} runs`)
      const sameServer = await resolveToContinued(clients[0]!, clients[0]!, latencySamples)
      unsubscribe()
      say(
        `${count} subscriptions: idle ${fixed(sum(idle.map(({ reads }) => reads)), 1)} reads/s; A → C p50 / p99 ${fixed(crossServer.p50Ms, 0)} / ${fixed(crossServer.p99Ms, 0)} ms; A → A ${fixed(sameServer.p50Ms, 0)} / ${fixed(sameServer.p99Ms, 0)} ms`,
      )
      levels.push({
        subscriptions: count,
        loadAverage,
        idleDatabaseCpu,
        steadyDatabaseCpu,
        idleReadsPerSecond: sum(idle.map(({ reads }) => reads)),
        idleReadsPerServer: idle.map(({ reads }) => reads),
        steadyReadsPerSecond: sum(steady.map(({ reads }) => reads)),
        steadyWritesPerSecond: sum(steady.map(({ writes }) => writes)),
        runsPerSecond: ran.completed / (windowMs / 1_000),
        steadyRunsFailed: ran.failed,
        eventsStored,
        crossServer,
        observerStoreTime,
        sameServer,
      })
      await sleep(2 * pollIntervalMs)
    }
  } finally {
    await Promise.all(clients.map((client) => client.close()))
    for (const server of servers) server.kill('SIGTERM')
    await Promise.all(servers.map((server) => server.ended))
    await database.db(dbName).dropDatabase()
    await database.close()
    await mongo.stop()
  }

  const header =
    '| subscriptions | load | idle reads/s (A, B, C) | idle CPU % FerretDB / PostgreSQL | reads/s at runs/s | writes/s | CPU % at runs/s FerretDB / PostgreSQL | events stored | A → C p50 / p99 ms | A → A p50 / p99 ms |'
  const percent = (value: number | undefined) => (value === undefined ? '–' : fixed(value, 1))
  const cpu = ({ ferretdb, postgresql }: DatabaseCpu) => `${percent(ferretdb)} / ${percent(postgresql)}`
  const rows = levels.map(
    (level) =>
      `| ${level.subscriptions} | ${fixed(level.loadAverage, 1)} | ${fixed(level.idleReadsPerSecond, 1)} (${level.idleReadsPerServer.map((reads) => fixed(reads, 1)).join(', ')}) | ${cpu(level.idleDatabaseCpu)} | ${fixed(level.steadyReadsPerSecond, 1)} at ${fixed(level.runsPerSecond, 1)}${level.steadyRunsFailed > 0 ? ` (${level.steadyRunsFailed} failed)` : ''} | ${fixed(level.steadyWritesPerSecond, 1)} | ${cpu(level.steadyDatabaseCpu)} | ${level.eventsStored} | ${fixed(level.crossServer.p50Ms, 1)} / ${fixed(level.crossServer.p99Ms, 1)} | ${fixed(level.sameServer.p50Ms, 1)} / ${fixed(level.sameServer.p99Ms, 1)} |`,
  )
  const [low, high] = [
    levels.find((level) => level.subscriptions === 100),
    levels.find((level) => level.subscriptions === 1000),
  ]
  const idleRatio =
    low !== undefined && high !== undefined ? high.idleReadsPerSecond / low.idleReadsPerSecond : undefined
  await publish(
    'scale-out.json',
    {
      title: 'Scale-out: three servers on one MongoDB',
      how: [
        `Subscriptions spread over the three servers, half following a paused run each, half the approval queue; poll interval ${pollIntervalMs} ms.`,
        `Reads and writes: the store commands the servers sent (command monitoring), per second over ${windowMs} ms, idle and while ${runsPerSecond} runs/s were started through A and completed through B.`,
        'Database CPU: what the harness’s FerretDB process, and its PostgreSQL (the postmaster and every backend), spent over the idle and the steady windows, in percent of one core; load: the machine’s 1-minute load average as the level started.',
        `Cross-server: a run resolved through A ${decideAfterMs} ms after its subscriber saw it pause, RunContinued timed at a subscriber on C (A → C), and on A itself (A → A: the same work without the poll), ${latencySamples} runs one at a time; target: A → C p99 under two poll intervals (${2 * pollIntervalMs} ms) over A → A.`,
        'Events stored: in the database as A → C was timed (on FerretDB, what a query it does not push down reads); where C’s store time went meanwhile is in observerStoreTime (the five kinds of command that took longest, timed by the driver).',
        `Run subscriptions follow ${followedRuns} paused runs at most, several subscribers a run when there are more.`,
        ...(idleRatio === undefined
          ? []
          : [`Idle reads/s at 1,000 subscriptions over 100: ${fixed(idleRatio, 3)} (target within 10%).`]),
      ],
      stores: { mongodb: described },
      table: [header, '|---|---|---|---|---|---|---|---|---|---|', ...rows].join('\n'),
    },
    { levels, idleRatio },
  )
}

await main()
