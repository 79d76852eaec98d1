import type { Side } from './sides.js'

/**
 * Samples of a duration `take` measures, one at a time; the warm-up samples are taken the same
 * way and thrown away.
 */
export const sample = async (
  take: () => Promise<number>,
  { warmup, samples }: { readonly warmup: number; readonly samples: number },
): Promise<ReadonlyArray<number>> => {
  const durationsMs: Array<number> = []
  for (let taken = 0; taken < warmup + samples; taken++) {
    const ms = await take()
    if (taken >= warmup) durationsMs.push(ms)
  }
  return durationsMs
}

export interface Throughput {
  readonly runs: number
  /** Wall-clock time from the first run's start to the last one's completion. */
  readonly seconds: number
  /** Each run's time from its start to its completion, in milliseconds, in the order they completed. */
  readonly latenciesMs: ReadonlyArray<number>
}

/** Each side runs `runsEach` runs in a row, start → pause → confirm → complete, all sides at once. */
const cycleAll = async (sides: ReadonlyArray<Side>, runsEach: number): Promise<Throughput> => {
  const latenciesMs: Array<number> = []
  const started = performance.now()
  await Promise.all(
    sides.map(async (side) => {
      for (let done = 0; done < runsEach; done++) {
        const runStarted = performance.now()
        await side.complete(await side.start())
        latenciesMs.push(performance.now() - runStarted)
      }
    }),
  )
  return { runs: sides.length * runsEach, seconds: (performance.now() - started) / 1_000, latenciesMs }
}

/** Whole runs per second with every side driving runs at once, after a warm-up of the same shape. */
export const measureThroughput = async (
  sides: ReadonlyArray<Side>,
  { warmupEach, runsEach }: { readonly warmupEach: number; readonly runsEach: number },
): Promise<Throughput> => {
  await cycleAll(sides, warmupEach)
  return cycleAll(sides, runsEach)
}
