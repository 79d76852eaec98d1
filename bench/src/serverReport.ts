import { fixed, table } from './report.js'
import type { ServerStoreName } from './serverProcess.js'
import type { Latency } from './stats.js'

/** Through the server (a client over loopback), or the engine in the benchmark's own process. */
export type Where = 'server' | 'in-process'

/** CPU time per sample or run, in milliseconds. */
export interface CpuPer {
  /** In the process that runs the engine: the server's, or (in-process) the benchmark's. */
  readonly engineMs: number
  /** In the benchmark's process, running the clients: only when the engine runs in the server's. */
  readonly benchMs: number | undefined
}

/**
 * What a latency sample times: from a confirmation being sent to `RunContinued` reaching an
 * observer of the run, or (through the server) a call that does no engine work, there and back.
 */
export type Timed = 'resolve → RunContinued' | 'round trip'

export interface LatencyResult {
  readonly store: ServerStoreName
  readonly where: Where
  readonly timed: Timed
  readonly samples: number
  readonly latency: Latency
  /** p50 and p99 over the in-process engine's resolve → RunContinued on the same store. */
  readonly vsInProcess: { readonly p50: number; readonly p99: number } | undefined
  /** A resolve → RunContinued sample is a whole run: started, followed, confirmed, completed. */
  readonly cpuPerSample: CpuPer
}

/** Whole runs, start → pause → confirm → complete, driven by many clients (or loops) at once. */
export interface ThroughputResult {
  readonly store: ServerStoreName
  readonly where: Where
  readonly clients: number
  readonly runsEach: number
  readonly runs: number
  readonly seconds: number
  readonly runsPerSecond: number
  /** Of one run, from its start to its completion. */
  readonly latency: Latency
  /** Runs per second over the in-process engine's on the same store (1 for the in-process engine). */
  readonly vsInProcess: number | undefined
  readonly cpuPerRun: CpuPer
  /** The engine's process's CPU time per run over the in-process engine's on the same store. */
  readonly cpuVsInProcess: number
}

const ratio = (value: number | undefined) => (value === undefined ? '-' : `${fixed(value, 2)}×`)

const optional = (value: number | undefined) => (value === undefined ? '-' : fixed(value, 2))

export const renderLatency = (results: ReadonlyArray<LatencyResult>): string =>
  table(
    [
      'store',
      'where',
      'timed',
      'samples',
      'mean ms',
      'p50 ms',
      'p99 ms',
      'max ms',
      'p50 vs in-process',
      'p99 vs in-process',
      'engine CPU ms',
      'client CPU ms',
    ],
    results.map((result) => [
      result.store,
      result.where,
      result.timed,
      String(result.samples),
      fixed(result.latency.meanMs, 2),
      fixed(result.latency.p50Ms, 2),
      fixed(result.latency.p99Ms, 2),
      fixed(result.latency.maxMs, 2),
      ratio(result.vsInProcess?.p50),
      ratio(result.vsInProcess?.p99),
      fixed(result.cpuPerSample.engineMs, 2),
      optional(result.cpuPerSample.benchMs),
    ]),
    3,
  )

export const renderThroughput = (results: ReadonlyArray<ThroughputResult>): string =>
  table(
    [
      'store',
      'where',
      'clients×runs',
      'runs/s',
      'vs in-process',
      'mean ms',
      'p50 ms',
      'p99 ms',
      'max ms',
      'engine CPU ms',
      'CPU vs in-process',
      'client CPU ms',
    ],
    results.map((result) => [
      result.store,
      result.where,
      `${result.clients}×${result.runsEach}`,
      fixed(result.runsPerSecond, 1),
      ratio(result.vsInProcess),
      fixed(result.latency.meanMs, 2),
      fixed(result.latency.p50Ms, 2),
      fixed(result.latency.p99Ms, 2),
      fixed(result.latency.maxMs, 2),
      fixed(result.cpuPerRun.engineMs, 2),
      ratio(result.cpuVsInProcess),
      optional(result.cpuPerRun.benchMs),
    ]),
  )
