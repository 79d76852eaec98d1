/**
 * Whether a run costs the same however many runs the store holds: the mean start (to the pause)
 * and resume (to completion) of one run of the server benchmark's agent, on stores filled to
 * each size, on SQLite and on MongoDB. Each size is a database of its own; the samples go round
 * the sizes in turn, so that the machine's moods fall on all of them alike. Prints the curve and
 * writes the figures to bench/results/store-size.json. See bench/README.md.
 */
import { Countersign } from '@countersign/core'
import { confirmOnce } from './confirmOnce.js'
import type { Template } from './internal/copiedRuns.js'
import { runBenchmark } from './internal/entry.js'
import {
  sizedOpeners,
  sizedStoreNames,
  type SizedStore,
  type SizedStoreName,
} from './internal/sizedStores.js'
import { publish, say } from './output.js'
import { positive, readSettings, settingsUsage, storesIn } from './settings.js'
import { inProcess, type Side } from './sides.js'
import { latency, type Latency } from './stats.js'

const settings = {
  sizes: { flag: 'sizes', env: 'BENCH_STORE_SIZES', fallback: '1000,10000,100000' },
  samples: { flag: 'samples', env: 'BENCH_STORE_SAMPLES', fallback: '60' },
  warmup: { flag: 'warmup', env: 'BENCH_STORE_WARMUP', fallback: '10' },
  templates: { flag: 'templates', env: 'BENCH_STORE_TEMPLATES', fallback: '200' },
  // Not MongoDB by default: on the harness's FerretDB, which scans every collection it reads, a
  // sample at 100,000 runs takes minutes (see bench/README.md). Name it, with MONGODB_URL or smaller sizes.
  stores: { flag: 'stores', env: 'BENCH_STORE_STORES', fallback: 'sqlite' },
} as const

const usage = [
  'Usage: pnpm bench:store-size [--sizes LIST] [--samples N] [--warmup N] [--templates N] [--stores LIST]',
  ...settingsUsage(settings),
  `  --sizes: runs stored, comma-separated. --stores: a subset of ${sizedStoreNames.join(', ')}.`,
  '  MONGODB_URL: use that server, not a FerretDB.',
].join('\n')

interface Config {
  readonly sizes: ReadonlyArray<number>
  readonly samples: number
  readonly warmup: number
  readonly templates: number
  readonly stores: ReadonlyArray<SizedStoreName>
}

const readConfig = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv): Config | 'help' => {
  const read = readSettings(settings, args, env)
  if (read === 'help') return 'help'
  const sizes = read.sizes.split(',').map((size) => positive('--sizes', size.trim()))
  const templates = positive('--templates', read.templates)
  if (templates > Math.min(...sizes))
    throw new Error(`--templates (${templates}) must not exceed the smallest size (${Math.min(...sizes)})`)
  return {
    sizes: [...sizes].sort((a, b) => a - b),
    samples: positive('--samples', read.samples),
    warmup: positive('--warmup', read.warmup),
    templates,
    stores: storesIn(read.stores, sizedStoreNames),
  }
}

/** A store filled to its size, and the engine that drives runs over it. */
interface Filled {
  readonly size: number
  readonly side: Side
  readonly countersign: Countersign
  readonly fillSeconds: number
}

/**
 * `templates` runs made by the engine (half left paused, half completed, as a store that serves
 * people holds both), then copies of them up to `size` runs.
 */
const fill = async (opened: SizedStore, size: number, templates: number): Promise<Filled> => {
  const countersign = new Countersign({ store: opened.store, agents: [confirmOnce], sweepEvery: false })
  const side = inProcess(countersign)
  const started = performance.now()
  const made: Array<Template> = []
  for (let index = 0; index < templates; index++) {
    const paused = await side.start()
    if (index % 2 === 1) await side.complete(paused)
    made.push({ runId: paused.runId, requirementIds: paused.requirementIds })
  }
  await opened.copy(made, size - templates)
  return { size, side, countersign, fillSeconds: (performance.now() - started) / 1_000 }
}

/** One run started and resumed: the milliseconds of each. */
const sample = async (side: Side) => {
  const started = performance.now()
  const paused = await side.start()
  const resumed = performance.now()
  await side.complete(paused)
  return { startMs: resumed - started, resumeMs: performance.now() - resumed }
}

interface SizeResult {
  readonly store: SizedStoreName
  readonly size: number
  readonly fillSeconds: number
  readonly start: Latency
  readonly resume: Latency
}

/** Every size of one kind of store, the samples taken round the sizes, the first size of each round in turn. */
const benchStore = async (name: SizedStoreName, config: Config) => {
  say(`opening ${name} stores`)
  const stores = await sizedOpeners[name]()
  const filled: Array<Filled> = []
  try {
    for (const size of config.sizes) {
      say(`${name}: filling a store to ${size} runs (${config.templates} run by the engine, the rest copied)`)
      filled.push(await fill(await stores.open(), size, config.templates))
      say(`${name}: ${size} runs stored in ${filled.at(-1)!.fillSeconds.toFixed(1)} s`)
    }
    const times = filled.map(() => ({ startMs: [] as Array<number>, resumeMs: [] as Array<number> }))
    for (let round = 0; round < config.warmup + config.samples; round++) {
      for (let turn = 0; turn < filled.length; turn++) {
        const index = (round + turn) % filled.length
        const { startMs, resumeMs } = await sample(filled[index]!.side)
        if (round < config.warmup) continue
        times[index]!.startMs.push(startMs)
        times[index]!.resumeMs.push(resumeMs)
      }
      if ((round + 1) % 20 === 0) say(`${name}: ${round + 1} of ${config.warmup + config.samples} rounds`)
    }
    const results = filled.map(({ size, fillSeconds }, index): SizeResult => ({
      store: name,
      size,
      fillSeconds,
      start: latency(times[index]!.startMs),
      resume: latency(times[index]!.resumeMs),
    }))
    return { description: stores.description, results }
  } finally {
    for (const { countersign } of filled) await countersign.dispose()
    await stores.close()
  }
}

const ms = (value: number) => value.toFixed(2)
const ratio = (value: number, base: number) => `${((value / base) * 100).toFixed(0)}%`

const render = (results: ReadonlyArray<SizeResult>) => {
  const header = [
    'store',
    'runs stored',
    'start mean',
    'start p50',
    'resume mean',
    'resume p50',
    'start vs first',
    'resume vs first',
  ]
  const rows = results.map((result) => {
    const first = results.find(({ store }) => store === result.store)!
    return [
      result.store,
      result.size.toLocaleString('en-US'),
      ms(result.start.meanMs),
      ms(result.start.p50Ms),
      ms(result.resume.meanMs),
      ms(result.resume.p50Ms),
      ratio(result.start.meanMs, first.start.meanMs),
      ratio(result.resume.meanMs, first.resume.meanMs),
    ]
  })
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  )
  const line = (cells: ReadonlyArray<string>) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n')
}

const main = async (config: Config) => {
  const results: Array<SizeResult> = []
  const stores: Partial<Record<SizedStoreName, string>> = {}
  for (const name of config.stores) {
    const { description, results: measured } = await benchStore(name, config)
    stores[name] = description
    results.push(...measured)
  }
  await publish(
    'store-size.json',
    {
      title: 'Start and resume of one run by runs stored',
      how: [
        `${config.samples} samples a size after ${config.warmup} warm-up rounds, taken round the sizes in turn; ms`,
      ],
      stores,
      table: render(results),
    },
    { config, stores, results },
  )
}

await runBenchmark(readConfig, usage, main)
