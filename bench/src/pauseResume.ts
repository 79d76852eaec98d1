/**
 * Pause and resume cycles per second on each store, in one process: a run paused on a gated tool
 * is confirmed, the tool runs, the model calls it again and the run pauses again. Measured in one
 * run cycling alone, then in several runs cycling at once; on MongoDB, the commands each cycle
 * sends. Prints a table and writes the figures to bench/results/latest.json. See bench/README.md.
 */
import { divideCounts } from '@countersign/mongodb/testing'
import { readConfig, usage, type Config } from './config.js'
import { runBenchmark } from './internal/entry.js'
import { measure, type Shape } from './measure.js'
import { publish, say } from './output.js'
import { render, type Result, type Variant } from './report.js'
import { latency } from './stats.js'
import { openers, type OpenStore, type StoreName } from './stores.js'
import { cyclingAgent } from './workload.js'

/** Each variant's measured cycles, and the warm-up before them, laid out the same way. */
const variants = (config: Config): ReadonlyArray<{ variant: Variant; measured: Shape; warmup: Shape }> => [
  {
    variant: 'sequential',
    measured: { runs: 1, cyclesPerRun: config.cycles },
    warmup: { runs: 1, cyclesPerRun: config.warmup },
  },
  {
    variant: 'concurrent',
    measured: { runs: config.concurrency, cyclesPerRun: config.concurrentCycles },
    warmup: { runs: config.concurrency, cyclesPerRun: Math.ceil(config.warmup / config.concurrency) },
  },
]

type StoreResult = Omit<Result, 'vsMemory'>

/** Every variant on one store, with one agent (one engine) over it, as a server would have. */
const benchStore = async (open: OpenStore, config: Config): Promise<Array<StoreResult>> => {
  const agent = cyclingAgent(open.store)
  try {
    const results: Array<StoreResult> = []
    for (const { variant, measured, warmup } of variants(config)) {
      say(
        `${open.name}, ${variant}: warm-up ${warmup.runs}×${warmup.cyclesPerRun} cycles, ` +
          `then ${measured.runs}×${measured.cyclesPerRun} measured`,
      )
      await measure(agent, warmup, open.counter)
      const { cycles, seconds, latenciesMs, commands } = await measure(agent, measured, open.counter)
      results.push({
        store: open.name,
        variant,
        ...measured,
        cycles,
        seconds,
        cyclesPerSecond: cycles / seconds,
        latency: latency(latenciesMs),
        commandsPerCycle: commands === undefined ? undefined : divideCounts(commands, cycles),
      })
    }
    return results
  } finally {
    await agent.dispose()
  }
}

const main = async (config: Config) => {
  const measured: Array<StoreResult> = []
  const stores: Partial<Record<StoreName, string>> = {}
  for (const name of config.stores) {
    say(`opening the ${name} store`)
    const open = await openers[name]()
    try {
      stores[name] = open.description
      measured.push(...(await benchStore(open, config)))
    } finally {
      await open.close()
    }
  }
  const results = measured.map((result): Result => {
    const memory = measured.find((other) => other.store === 'memory' && other.variant === result.variant)
    return { ...result, vsMemory: memory && result.cyclesPerSecond / memory.cyclesPerSecond }
  })

  await publish(
    'latest.json',
    {
      title: 'Pause/resume cycles per store',
      how: [
        `warm-up ${config.warmup} cycles per variant; sequential: 1 run × ${config.cycles} cycles; ` +
          `concurrent: ${config.concurrency} runs × ${config.concurrentCycles} cycles`,
      ],
      stores,
      table: render(results),
    },
    { config, stores, results },
  )
}

await runBenchmark(readConfig, usage, main)
