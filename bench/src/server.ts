/**
 * The server benchmark: a real server (`createServer` in a child process, on 127.0.0.1) against
 * the engine in this process, its peer, on the same kind of store. Measures how long a
 * confirmation takes to show as `RunContinued` at a subscriber of the run, and how many whole
 * runs (start → pause → confirm → complete) many clients get through per second. Prints tables
 * and writes the figures to bench/results/server.json. See bench/README.md.
 */
import { Countersign } from '@countersign/core'
import { confirmOnce } from './confirmOnce.js'
import { describeMachine, say, thisMachine, writeResults } from './output.js'
import { readServerConfig, type ServerConfig, usage } from './serverConfig.js'
import { measureLatency, measureThroughput, type Throughput } from './serverMeasures.js'
import { startServer, type ServerStoreName } from './serverProcess.js'
import { type LatencyResult, renderLatency, renderThroughput, type ThroughputResult } from './serverReport.js'
import { inProcess, overServer, type Side } from './sides.js'
import { latency } from './stats.js'
import { openers } from './stores.js'

/** The target for the server's p99 resolve-to-event latency. */
const targetP99Ms = 10

interface Measured {
  readonly latenciesMs: ReadonlyArray<number>
  readonly throughput: Throughput
}

/** Latency with one side, then throughput with every side at once (`clients` of them). */
const measureBoth = async (
  label: string,
  sides: ReadonlyArray<Side>,
  config: ServerConfig,
): Promise<Measured> => {
  say(`${label}: resolve → RunContinued, ${config.warmup} warm-up + ${config.samples} measured`)
  const latenciesMs = await measureLatency(sides[0]!, config)
  const warmupEach = Math.ceil(config.warmup / config.clients)
  say(`${label}: ${config.clients} at once × (${warmupEach} warm-up + ${config.runs} measured) runs`)
  const throughput = await measureThroughput(sides, { warmupEach, runsEach: config.runs })
  return { latenciesMs, throughput }
}

/** Through a server process over `store`, with `clients` clients of its own connections each. */
const overTheServer = async (store: ServerStoreName, config: ServerConfig): Promise<Measured> => {
  say(`${store}: starting the server process`)
  const server = await startServer(store)
  const sides = Array.from({ length: config.clients }, () => overServer(server.url))
  try {
    return await measureBoth(`${store}, server`, sides, config)
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
    return await measureBoth(
      `${store}, in-process`,
      Array.from({ length: config.clients }, () => side),
      config,
    )
  } finally {
    try {
      await countersign.dispose()
    } finally {
      await open.close()
    }
  }
}

const main = async (config: ServerConfig) => {
  const latencies: Array<LatencyResult> = []
  const throughputs: Array<ThroughputResult> = []
  for (const store of config.stores) {
    const server = await overTheServer(store, config)
    const peer = await inThisProcess(store, config)
    const peerLatency = latency(peer.latenciesMs)
    const peerRate = peer.throughput.runs / peer.throughput.seconds
    for (const [where, { latenciesMs, throughput }] of [
      ['server', server],
      ['in-process', peer],
    ] as const) {
      const figures = latency(latenciesMs)
      latencies.push({
        store,
        where,
        samples: latenciesMs.length,
        latency: figures,
        vsInProcess: { p50: figures.p50Ms / peerLatency.p50Ms, p99: figures.p99Ms / peerLatency.p99Ms },
      })
      const runsPerSecond = throughput.runs / throughput.seconds
      throughputs.push({
        store,
        where,
        clients: config.clients,
        runsEach: config.runs,
        runs: throughput.runs,
        seconds: throughput.seconds,
        runsPerSecond,
        latency: latency(throughput.latenciesMs),
        vsInProcess: runsPerSecond / peerRate,
      })
    }
  }

  const machine = thisMachine()
  const verdicts = latencies
    .filter(({ where }) => where === 'server')
    .map(
      ({ store, latency: { p99Ms } }) =>
        `${store}: server p99 ${p99Ms.toFixed(2)} ms, ${p99Ms < targetP99Ms ? 'under' : 'OVER'} the ${targetP99Ms} ms target`,
    )
  console.log(
    [
      `Server benchmark (${describeMachine(machine)})`,
      'server: createServer in a child process on 127.0.0.1, each client with its own HTTP and WebSocket ' +
        'connections; in-process: a Countersign in this process over a new store of the same kind',
      '',
      `Confirmation sent → RunContinued at a subscriber of the run (one run at a time, ${config.warmup} ` +
        "warm-up samples first); in-process, the subscriber is the continuation's own stream",
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

let config: ServerConfig | 'help'
try {
  config = readServerConfig(process.argv.slice(2), process.env)
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}\n${usage}`)
  process.exit(2)
}
if (config === 'help') console.log(usage)
else await main(config)
