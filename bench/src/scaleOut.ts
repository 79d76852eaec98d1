/**
 * The scale-out benchmark: three server processes on one MongoDB (`MONGODB_URL`, else a FerretDB
 * the harness starts), with 1, 100 and 1,000 open subscriptions spread across them — half
 * following a paused run each (`runs.events`), half the approval queue (`approvals.changes`).
 * For each number it measures the database reads per second of the fleet (the servers count their
 * store's commands), idle and under a steady rate of runs, and resolve → RunContinued at a
 * subscriber on another server than the one resolving. Prints a table and writes the figures to
 * bench/results/scale-out.json. See bench/README.md.
 */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { createClient } from '@countersign/client'
import { Resolutions } from '@countersign/core'
import { startMongo } from '@countersign/ferretdb-harness'
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

const entry = fileURLToPath(new URL('./internal/scaleOutEntry.ts', import.meta.url))

type Client = ReturnType<typeof createClient>

interface Level {
  readonly subscriptions: number
  /** The machine's load average (1 minute) when the level started: the others' work, on a shared machine. */
  readonly loadAverage: number
  readonly idleReadsPerSecond: number
  /** The CPU the database's process spent while idle, in percent of one core (the harness's FerretDB only). */
  readonly idleDatabaseCpuPercent: number | undefined
  readonly idleReadsPerServer: ReadonlyArray<number>
  readonly steadyReadsPerSecond: number
  readonly steadyWritesPerSecond: number
  readonly runsPerSecond: number
  /** Steady runs that failed (a store refusing a write under load, say). */
  readonly steadyRunsFailed: number
  readonly crossServer: Latency
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

/** The harness's FerretDB: the child process of this one that runs its launcher (none with `MONGODB_URL`). */
const databaseProcess = (): number | undefined => {
  if (process.env['MONGODB_URL']) return undefined
  const children = execFileSync('ps', ['--ppid', String(process.pid), '-o', 'pid=,args='], {
    encoding: 'utf8',
  })
  const line = children.split('\n').find((child) => child.includes('ferretdb-launcher'))
  return line === undefined ? undefined : Number(line.trim().split(/\s+/)[0])
}

/** A process's CPU time so far, user and system, in milliseconds (Linux `/proc`, clock ticks of 10 ms). */
const cpuMsOf = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
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
      let sent = 0
      const subscription = observer.runEvents(runId, {
        onEvent: (event) => {
          if (event._tag === 'RunPaused' && sent === 0) {
            sent = performance.now()
            decider.runs.continue(runId, [Resolutions.confirm(requirementId)]).catch(reject)
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
  const mongo = await startMongo()
  const dbName = `countersign_bench_${randomBytes(6).toString('hex')}`
  say(`three servers on ${process.env['MONGODB_URL'] ? 'MONGODB_URL' : 'a FerretDB started by the harness'}`)
  const first = await startServerProcess(entry, [mongo.url, dbName])
  const servers = [
    first,
    ...(await Promise.all([1, 2].map(() => startServerProcess(entry, [mongo.url, dbName])))),
  ]
  const clients = servers.map((server) => createClient({ url: server.url, token: benchToken, WebSocket }))
  const database = databaseProcess()
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
      const databaseBefore = database === undefined ? undefined : cpuMsOf(database)
      const idle = await rates(servers, () => sleep(windowMs))
      const idleDatabaseCpuPercent =
        database === undefined || databaseBefore === undefined
          ? undefined
          : ((cpuMsOf(database) - databaseBefore) / windowMs) * 100
      say(`${count} subscriptions: ${runsPerSecond} runs/s for ${windowMs} ms`)
      let ran = { completed: 0, failed: 0 }
      const steady = await rates(servers, async () => {
        const stop = steadyRuns(clients[0]!, clients[1]!, runsPerSecond)
        await sleep(windowMs)
        ran = await stop()
      })
      say(`${count} subscriptions: resolve through A → RunContinued at C, ${latencySamples} runs`)
      const crossServer = await resolveToContinued(clients[0]!, clients[2]!, latencySamples)
      say(`${count} subscriptions: resolve through A → RunContinued at A, ${latencySamples} runs`)
      const sameServer = await resolveToContinued(clients[0]!, clients[0]!, latencySamples)
      unsubscribe()
      say(
        `${count} subscriptions: idle ${fixed(sum(idle.map(({ reads }) => reads)), 1)} reads/s; A → C p50 / p99 ${fixed(crossServer.p50Ms, 0)} / ${fixed(crossServer.p99Ms, 0)} ms; A → A ${fixed(sameServer.p50Ms, 0)} / ${fixed(sameServer.p99Ms, 0)} ms`,
      )
      levels.push({
        subscriptions: count,
        loadAverage,
        idleDatabaseCpuPercent,
        idleReadsPerSecond: sum(idle.map(({ reads }) => reads)),
        idleReadsPerServer: idle.map(({ reads }) => reads),
        steadyReadsPerSecond: sum(steady.map(({ reads }) => reads)),
        steadyWritesPerSecond: sum(steady.map(({ writes }) => writes)),
        runsPerSecond: ran.completed / (windowMs / 1_000),
        steadyRunsFailed: ran.failed,
        crossServer,
        sameServer,
      })
      await sleep(2 * pollIntervalMs)
    }
  } finally {
    await Promise.all(clients.map((client) => client.close()))
    for (const server of servers) server.kill('SIGTERM')
    await Promise.all(servers.map((server) => server.ended))
    const admin = await new MongoClient(mongo.url).connect()
    await admin.db(dbName).dropDatabase()
    await admin.close()
    await mongo.stop()
  }

  const header =
    '| subscriptions | load | idle reads/s (A, B, C) | idle database CPU % | reads/s at runs/s | writes/s | A → C p50 / p99 ms | A → A p50 / p99 ms |'
  const rows = levels.map(
    (level) =>
      `| ${level.subscriptions} | ${fixed(level.loadAverage, 1)} | ${fixed(level.idleReadsPerSecond, 1)} (${level.idleReadsPerServer.map((reads) => fixed(reads, 1)).join(', ')}) | ${level.idleDatabaseCpuPercent === undefined ? '–' : fixed(level.idleDatabaseCpuPercent, 1)} | ${fixed(level.steadyReadsPerSecond, 1)} at ${fixed(level.runsPerSecond, 1)}${level.steadyRunsFailed > 0 ? ` (${level.steadyRunsFailed} failed)` : ''} | ${fixed(level.steadyWritesPerSecond, 1)} | ${fixed(level.crossServer.p50Ms, 1)} / ${fixed(level.crossServer.p99Ms, 1)} | ${fixed(level.sameServer.p50Ms, 1)} / ${fixed(level.sameServer.p99Ms, 1)} |`,
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
        'Idle database CPU: what the harness’s FerretDB process spent over the idle window, in percent of one core; load: the machine’s 1-minute load average as the level started.',
        `Cross-server: a run resolved through A, RunContinued timed at a subscriber on C (A → C), and on A itself (A → A: the same work without the poll), ${latencySamples} runs one at a time; target: A → C p99 under two poll intervals (${2 * pollIntervalMs} ms) over A → A.`,
        `Run subscriptions follow ${followedRuns} paused runs at most, several subscribers a run when there are more.`,
        ...(idleRatio === undefined
          ? []
          : [`Idle reads/s at 1,000 subscriptions over 100: ${fixed(idleRatio, 3)} (target within 10%).`]),
      ],
      stores: { mongodb: process.env['MONGODB_URL'] ? 'MONGODB_URL' : 'FerretDB (harness)' },
      table: [header, '|---|---|---|---|---|---|---|---|', ...rows].join('\n'),
    },
    { levels, idleRatio },
  )
}

await main()
