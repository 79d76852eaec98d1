export interface Latency {
  readonly meanMs: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly maxMs: number
  /**
   * Mean of the first and of the last tenth of the cycles, in the order they ended. A cycle
   * costs more as its run grows (a resume reloads the run from the store): these show how much.
   */
  readonly firstTenthMs: number
  readonly lastTenthMs: number
}

const mean = (values: ReadonlyArray<number>) => values.reduce((sum, value) => sum + value, 0) / values.length

/** The nearest-rank percentile: a duration some cycle really took, never an interpolation. */
const percentile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1] ?? Number.NaN

/** Durations in the order the cycles ended. */
export const latency = (durationsMs: ReadonlyArray<number>): Latency => {
  const sorted = [...durationsMs].sort((a, b) => a - b)
  const tenth = Math.max(1, Math.floor(durationsMs.length / 10))
  return {
    meanMs: mean(sorted),
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.at(-1) ?? Number.NaN,
    firstTenthMs: mean(durationsMs.slice(0, tenth)),
    lastTenthMs: mean(durationsMs.slice(-tenth)),
  }
}
