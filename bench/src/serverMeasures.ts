import { type CpuClock, type CpuSpent, withCpu } from './cpu.js'
import type { Side } from './sides.js'

export interface Samples {
  /** Each sample, in milliseconds, in the order taken. */
  readonly durationsMs: ReadonlyArray<number>
  /** The CPU time of the measured samples (the warm-up left out). */
  readonly cpu: CpuSpent
}

/**
 * Samples of a duration `take` measures, one at a time, after as many thrown away as a warm-up.
 */
export const sample = async (
  take: () => Promise<number>,
  { warmup, samples }: { readonly warmup: number; readonly samples: number },
  clock: CpuClock,
): Promise<Samples> => {
  for (let taken = 0; taken < warmup; taken++) await take()
  const { result: durationsMs, cpu } = await withCpu(clock, async () => {
    const durations: Array<number> = []
    for (let taken = 0; taken < samples; taken++) durations.push(await take())
    return durations
  })
  return { durationsMs, cpu }
}

export interface Throughput {
  readonly runs: number
  /** Wall-clock time from the first run's start to the last one's completion. */
  readonly seconds: number
  /** Each run's time from its start to its completion, in milliseconds, in the order they completed. */
  readonly latenciesMs: ReadonlyArray<number>
  readonly cpu: CpuSpent
}

/** Each side runs `runsEach` runs in a row, start → pause → confirm → complete, all sides at once. */
const cycleAll = async (sides: ReadonlyArray<Side>, runsEach: number) => {
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
  clock: CpuClock,
): Promise<Throughput> => {
  await cycleAll(sides, warmupEach)
  const { result, cpu } = await withCpu(clock, () => cycleAll(sides, runsEach))
  return { ...result, cpu }
}
