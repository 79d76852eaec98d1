/**
 * Pause and resume cycles per second on each store, in one process: a run paused on a gated tool
 * is confirmed, the tool runs, the model calls it again and the run pauses again. Measured in one
 * run cycling alone, then in several runs cycling at once; on MongoDB, the commands each cycle
 * sends. Prints a table and writes the figures to bench/results/latest.json. See bench/README.md.
 */
import { divideCounts } from '@countersign/mongodb/testing'
import { readConfig, usage, type Config } from './config.js'
import { measure, type Shape } from './measure.js'
import { describeMachine, say, thisMachine, writeResults } from './output.js'
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

  const machine = thisMachine()
  console.log(
    [
      `Pause/resume cycles per store (${describeMachine(machine)})`,
      `warm-up ${config.warmup} cycles per variant; sequential: 1 run × ${config.cycles} cycles; ` +
        `concurrent: ${config.concurrency} runs × ${config.concurrentCycles} cycles`,
      ...Object.entries(stores).map(([name, description]) => `${name}: ${description}`),
      '',
      render(results),
    ].join('\n'),
  )
  await writeResults('latest.json', {
    generatedAt: new Date().toISOString(),
    machine,
    config,
    stores,
    results,
  })
}

let config: Config | 'help'
try {
  config = readConfig(process.argv.slice(2), process.env)
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}\n${usage}`)
  process.exit(2)
}
if (config === 'help') console.log(usage)
else await main(config)
