/**
 * The server benchmark: a real server (`createServer` in a child process, on 127.0.0.1) against
 * the engine in this process, its peer, on the same kind of store. Measures how long a
 * confirmation takes to show as `RunContinued` at a subscriber of the run, and how many whole
 * runs (start → pause → confirm → complete) many clients get through per second. Prints tables
 * and writes the figures to bench/results/server.json. See bench/README.md.
 */
import { Countersign } from '@countersign/core'
import { confirmOnce } from './confirmOnce.js'
import { type CpuClock, cpuMs, type CpuSpent } from './cpu.js'
import { fixed } from './report.js'
import { runBenchmark } from './internal/entry.js'
import { describeMachine, say, thisMachine, writeResults } from './output.js'
import { readServerConfig, type ServerConfig, usage } from './serverConfig.js'
import { measureThroughput, sample, type Samples, type Throughput } from './serverMeasures.js'
import { startServer, type ServerStoreName } from './serverProcess.js'
import {
  type CpuPer,
  type LatencyResult,
  renderLatency,
  renderThroughput,
  type ThroughputResult,
  type Timed,
  type Where,
} from './serverReport.js'
import { inProcess, overServer, type Side } from './sides.js'
import { latency } from './stats.js'
import { openers } from './stores.js'

/** The target for the server's p99 resolve-to-event latency. */
const targetP99Ms = 10

interface Measured {
  /** Confirmation sent → `RunContinued` observed, one run at a time. */
  readonly continued: Samples
  /** Through the server: a bare round trip, the floor under the above. */
  readonly roundTrip?: Samples
  readonly throughput: Throughput
}

/** Latency with the first side, then throughput with every side at once (`clients` of them). */
const measureSides = async (
  label: string,
  sides: ReadonlyArray<Side>,
  config: ServerConfig,
  clock: CpuClock,
): Promise<Omit<Measured, 'roundTrip'>> => {
  const first = sides[0]!
  say(`${label}: resolve → RunContinued, ${config.warmup} warm-up + ${config.samples} measured`)
  const continued = await sample(async () => first.timeContinued(await first.start()), config, clock)
  const warmupEach = Math.ceil(config.warmup / config.clients)
  say(`${label}: ${config.clients} at once × (${warmupEach} warm-up + ${config.runs} measured) runs`)
  const throughput = await measureThroughput(sides, { warmupEach, runsEach: config.runs }, clock)
  return { continued, throughput }
}

/** This process's CPU time so far. */
const ownCpuMs = () => cpuMs(process.cpuUsage())

/** Through a server process over `store`, by `clients` clients with connections of their own. */
const overTheServer = async (store: ServerStoreName, config: ServerConfig): Promise<Measured> => {
  say(`${store}: starting the server process`)
  const server = await startServer(store)
  const clock: CpuClock = async () => ({ engineMs: await server.cpuMs(), benchMs: ownCpuMs() })
  const sides = Array.from({ length: config.clients }, () => overServer(server.url))
  try {
    say(`${store}, server: round trip, ${config.warmup} warm-up + ${config.samples} measured`)
    const roundTrip = await sample(sides[0]!.roundTrip, config, clock)
    return { roundTrip, ...(await measureSides(`${store}, server`, sides, config, clock)) }
  } finally {
    try {
      await Promise.all(sides.map((side) => side.close()))
    } finally {
      await server.stop()
    }
  }
}

/** The engine in this process over a new store of the same kind, `clients` loops sharing it. */
const inThisProcess = async (store: ServerStoreName, config: ServerConfig): Promise<Measured> => {
  const open = await openers[store]()
  const countersign = new Countersign({ store: open.store, agents: [confirmOnce], sweepEvery: false })
  try {
    const side = inProcess(countersign)
    const sides = Array.from({ length: config.clients }, () => side)
    const clock: CpuClock = () => {
      const spent = ownCpuMs()
      return Promise.resolve({ engineMs: spent, benchMs: spent })
    }
    return await measureSides(`${store}, in-process`, sides, config, clock)
  } finally {
    try {
      await countersign.dispose()
    } finally {
      await open.close()
    }
  }
}

/** CPU time per sample or run; the benchmark's own only where the engine ran elsewhere. */
const cpuPer = (where: Where, { engineMs, benchMs }: CpuSpent, count: number): CpuPer => ({
  engineMs: engineMs / count,
  benchMs: where === 'server' ? benchMs / count : undefined,
})

/** One store's figures, each side's against the in-process engine's. */
const results = (store: ServerStoreName, config: ServerConfig, server: Measured, peer: Measured) => {
  const peerLatency = latency(peer.continued.durationsMs)
  const peerRate = peer.throughput.runs / peer.throughput.seconds
  const peerCpuPerRun = peer.throughput.cpu.engineMs / peer.throughput.runs
  const latencyOf = (where: Where, timed: Timed, { durationsMs, cpu }: Samples): LatencyResult => {
    const figures = latency(durationsMs)
    return {
      store,
      where,
      timed,
      samples: durationsMs.length,
      latency: figures,
      vsInProcess: { p50: figures.p50Ms / peerLatency.p50Ms, p99: figures.p99Ms / peerLatency.p99Ms },
      cpuPerSample: cpuPer(where, cpu, durationsMs.length),
    }
  }
  const throughputOf = (where: Where, { runs, seconds, latenciesMs, cpu }: Throughput): ThroughputResult => {
    const cpuPerRun = cpuPer(where, cpu, runs)
    return {
      store,
      where,
      clients: config.clients,
      runsEach: config.runs,
      runs,
      seconds,
      runsPerSecond: runs / seconds,
      latency: latency(latenciesMs),
      vsInProcess: runs / seconds / peerRate,
      cpuPerRun,
      cpuVsInProcess: cpuPerRun.engineMs / peerCpuPerRun,
    }
  }
  return {
    latency: [
      ...(server.roundTrip === undefined ? [] : [latencyOf('server', 'round trip', server.roundTrip)]),
      latencyOf('server', 'resolve → RunContinued', server.continued),
      latencyOf('in-process', 'resolve → RunContinued', peer.continued),
    ],
    throughput: [throughputOf('server', server.throughput), throughputOf('in-process', peer.throughput)],
  }
}

const main = async (config: ServerConfig) => {
  const latencies: Array<LatencyResult> = []
  const throughputs: Array<ThroughputResult> = []
  for (const store of config.stores) {
    const server = await overTheServer(store, config)
    const peer = await inThisProcess(store, config)
    const figures = results(store, config, server, peer)
    latencies.push(...figures.latency)
    throughputs.push(...figures.throughput)
  }

  const machine = thisMachine()
  const verdicts = latencies
    .filter(({ where, timed }) => where === 'server' && timed === 'resolve → RunContinued')
    .map(
      ({ store, latency: { p99Ms } }) =>
        `${store}: server p99 ${fixed(p99Ms, 2)} ms, ${p99Ms < targetP99Ms ? 'under' : 'OVER'} the ` +
        `${targetP99Ms} ms target`,
    )
  console.log(
    [
      `Server benchmark (${describeMachine(machine)})`,
      'server: createServer in a child process on 127.0.0.1, each client with its own HTTP and WebSocket ' +
        'connections; in-process: a Countersign in this process over a new store of the same kind',
      '',
      `Latency, one run at a time (${config.warmup} warm-up samples first). resolve → RunContinued: from ` +
        'the confirmation sent to RunContinued at a subscriber of the run (in-process: the ' +
        "continuation's own stream). round trip: definitions.list, no engine work.",
      renderLatency(latencies),
      ...verdicts,
      '',
      `Whole runs (start → pause → confirm → complete), ${config.clients} clients at once`,
      renderThroughput(throughputs),
    ].join('\n'),
  )
  await writeResults('server.json', {
    generatedAt: new Date().toISOString(),
    machine,
    config,
    targetP99Ms,
    latency: latencies,
    throughput: throughputs,
  })
}

await runBenchmark(readServerConfig, usage, main)
