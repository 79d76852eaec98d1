/**
 * Whether a run, and the reads that list and follow runs, cost the same however many runs the store
 * holds. On stores filled to each size (runs with their approvals, half of them paused on a
 * pending approval, the other half completed), on SQLite and on MongoDB, it measures the start
 * (to the pause) and the resume (to completion) of one run, and the approval queue, run lists,
 * the sweeper's due query and the followers' read as the server and the engine make them. Each
 * size is a database of its own; the samples go round the sizes in turn, so that the machine's
 * moods fall on all of them alike. Prints the curve, with the largest size's mean over the
 * smallest's, and writes the figures to bench/results/store-size.json. See bench/README.md.
 */
import { Countersign, type RunStore } from '@countersign/core'
import { Effect } from 'effect'
import type { Paused } from './confirmOnce.js'
import { approvalAgents, completeRun, startRun } from './internal/approvalRuns.js'
import type { Renaming, Template } from './internal/copiedRuns.js'
import { runBenchmark } from './internal/entry.js'
import type { QueryPlan } from './internal/mongoPlans.js'
import { checkCopies } from './internal/seedCheck.js'
import { queryMeasures, type Subject } from './internal/sizeMeasures.js'
import {
  sizedOpeners,
  sizedStoreNames,
  type SizedStore,
  type SizedStoreName,
} from './internal/sizedStores.js'
import { publish, say } from './output.js'
import { positive, readSettings, settingsUsage, storesIn } from './settings.js'
import { latency, type Latency } from './stats.js'

const settings = {
  sizes: { flag: 'sizes', env: 'BENCH_STORE_SIZES', fallback: '1000,10000,100000' },
  samples: { flag: 'samples', env: 'BENCH_STORE_SAMPLES', fallback: '100' },
  warmup: { flag: 'warmup', env: 'BENCH_STORE_WARMUP', fallback: '10' },
  templates: { flag: 'templates', env: 'BENCH_STORE_TEMPLATES', fallback: '200' },
  // Not MongoDB by default: on the harness's FerretDB, which scans most collections it reads, a
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

const runEffect = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)

/** A store filled to its size, and the engine that drives runs over it. */
interface Filled extends Subject {
  readonly size: number
  readonly opened: SizedStore
  readonly fillSeconds: number
  readonly checked: string
}

/** A template's ids: its run's, and those of its requirements and approvals (the audit's has no requirement). */
const templateOf = async (store: RunStore, runId: string): Promise<Template> => {
  const requirements = await runEffect(store.listRequirements(runId))
  const { approvals } = await runEffect(store.listApprovals({ runId, offset: 0, limit: 10 }))
  const ids = new Set([...requirements.map(({ id }) => id), ...approvals.map(({ id }) => id)])
  return { runId, requirementIds: [...ids] }
}

/**
 * `templates` runs made by the engine (every other one left paused on its approval, the others
 * approved and completed), then copies of them up to `size` runs, checked (see seedCheck.ts).
 */
const fill = async (opened: SizedStore, size: number, templates: number): Promise<Filled> => {
  const { store } = opened
  const countersign = new Countersign({ store, agents: approvalAgents, sweepEvery: false })
  const started = performance.now()
  const made: Array<Template> = []
  for (let index = 0; index < templates; index++) {
    const paused = await startRun(countersign, index)
    if (index % 2 === 1) await completeRun(countersign, paused)
    made.push(await templateOf(store, paused.runId))
  }
  const copies: ReadonlyArray<Renaming> = await opened.copy(made, size - templates)
  const fillSeconds = (performance.now() - started) / 1_000
  const checked = await checkCopies(countersign, store, copies, { runs: size, approvals: 2 * size })
  const followed = await Promise.all(
    copies.slice(0, 5).map(async ({ replacements }) => {
      const runId = replacements[0]![1]
      const record = await runEffect(store.getRun(runId))
      if (record._tag === 'None') throw new Error(`copy ${runId} is not stored`)
      return { runId, afterSeq: record.value.lastSeq }
    }),
  )
  return {
    size,
    opened,
    store,
    countersign,
    countEveryRun: opened.countEveryRun,
    fillSeconds,
    checked,
    followed,
  }
}

const measureNames = ['start → pause', 'resume → completed', ...queryMeasures.map(([name]) => name)]

/** One round on one store: a run started and resumed, then each query once; the milliseconds of each. */
const sampleRound = async (filled: Filled): Promise<Array<number>> => {
  const times: Array<number> = []
  const timed = async <A>(call: () => Promise<A>) => {
    const started = performance.now()
    const result = await call()
    times.push(performance.now() - started)
    return result
  }
  const paused: Paused = await timed(() => startRun(filled.countersign, 0))
  await timed(() => completeRun(filled.countersign, paused))
  for (const [, call] of queryMeasures) await timed(() => call(filled))
  return times
}

interface SizeResult {
  readonly store: SizedStoreName
  readonly size: number
  readonly fillSeconds: number
  readonly checked: string
  readonly measures: Readonly<Record<string, Latency>>
}

interface StoreResult {
  readonly description: string
  readonly results: ReadonlyArray<SizeResult>
  /** The server's plan of each query measure at the largest size, where the store has a server. */
  readonly plans?: Readonly<Record<string, ReadonlyArray<QueryPlan>>>
}

const plansAt = async (filled: Filled) => {
  const { plans } = filled.opened
  if (plans === undefined) return undefined
  const entries = []
  for (const [name, call] of queryMeasures) entries.push([name, await plans(() => call(filled))] as const)
  return Object.fromEntries(entries)
}

/** Every size of one kind of store, the samples taken round the sizes, the first size of each round in turn. */
const benchStore = async (name: SizedStoreName, config: Config): Promise<StoreResult> => {
  say(`opening ${name} stores`)
  const stores = await sizedOpeners[name]()
  const filled: Array<Filled> = []
  try {
    for (const size of config.sizes) {
      say(`${name}: filling a store to ${size} runs (${config.templates} run by the engine, the rest copied)`)
      filled.push(await fill(await stores.open(), size, config.templates))
      say(
        `${name}: ${size} runs stored in ${filled.at(-1)!.fillSeconds.toFixed(1)} s; ${filled.at(-1)!.checked}`,
      )
    }
    const times = filled.map(() => measureNames.map(() => [] as Array<number>))
    for (let round = 0; round < config.warmup + config.samples; round++) {
      for (let turn = 0; turn < filled.length; turn++) {
        const index = (round + turn) % filled.length
        const sampled = await sampleRound(filled[index]!)
        if (round >= config.warmup) sampled.forEach((ms, measure) => times[index]![measure]!.push(ms))
      }
      if ((round + 1) % 10 === 0) say(`${name}: ${round + 1} of ${config.warmup + config.samples} rounds`)
    }
    const plans = await plansAt(filled.at(-1)!)
    const results = filled.map(({ size, fillSeconds, checked }, index): SizeResult => ({
      store: name,
      size,
      fillSeconds,
      checked,
      measures: Object.fromEntries(measureNames.map((measure, at) => [measure, latency(times[index]![at]!)])),
    }))
    return { description: stores.description, results, ...(plans === undefined ? {} : { plans }) }
  } finally {
    for (const { countersign } of filled) await countersign.dispose()
    await stores.close()
  }
}

const ms = (value: number) => (value >= 100 ? value.toFixed(0) : value.toFixed(2))

/** The most the largest size's mean may be over the smallest's (issue 19: within 20%). */
const target = 1.2

/** One row per store and measure: mean (p50 / p99) at each size, and the largest size's mean and p50 over the smallest's. */
const render = (results: ReadonlyArray<SizeResult>) => {
  const sizes = [...new Set(results.map(({ size }) => size))]
  const header = [
    'store',
    'measure',
    ...sizes.map((size) => `${size.toLocaleString('en-US')}: mean (p50 / p99)`),
    'mean: largest / smallest',
    'p50: largest / smallest',
  ]
  const stores = [...new Set(results.map(({ store }) => store))]
  const rows = stores.flatMap((store) => {
    const ofStore = results.filter((result) => result.store === store)
    return measureNames.map((measure) => {
      const at = sizes.map((size) => ofStore.find((result) => result.size === size)?.measures[measure])
      const [first, last] = [at[0], at.at(-1)]
      const ratio = (of: (l: Latency) => number) => {
        const value = first === undefined || last === undefined ? Number.NaN : of(last) / of(first)
        return `${value.toFixed(2)}${value <= target ? '' : ' ✗'}`
      }
      return [
        store,
        measure,
        ...at.map((l) => (l === undefined ? '' : `${ms(l.meanMs)} (${ms(l.p50Ms)} / ${ms(l.p99Ms)})`)),
        ratio(({ meanMs }) => meanMs),
        ratio(({ p50Ms }) => p50Ms),
      ]
    })
  })
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  )
  const line = (cells: ReadonlyArray<string>) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n')
}

const renderPlans = (store: string, plans: Readonly<Record<string, ReadonlyArray<QueryPlan>>>) =>
  Object.entries(plans).flatMap(([measure, queries]) =>
    queries.map(({ command, collection, plan }) => `${store} ${measure}: ${command} ${collection}: ${plan}`),
  )

const main = async (config: Config) => {
  const results: Array<SizeResult> = []
  const stores: Partial<Record<SizedStoreName, string>> = {}
  const plans: Array<string> = []
  for (const name of config.stores) {
    const measured = await benchStore(name, config)
    stores[name] = measured.description
    results.push(...measured.results)
    if (measured.plans !== undefined) plans.push(...renderPlans(name, measured.plans))
  }
  await publish(
    'store-size.json',
    {
      title: 'Start, resume and growing reads by runs stored',
      how: [
        `${config.samples} samples a size after ${config.warmup} warm-up rounds, taken round the sizes in turn; ms`,
        `each size: ${config.templates} runs made by the engine, the rest copies; ${target}× is the target`,
        ...results.map(
          ({ store, size, fillSeconds, checked }) =>
            `${store} ${size}: filled in ${fillSeconds.toFixed(1)} s; ${checked}`,
        ),
      ],
      stores,
      table: [
        render(results),
        ...(plans.length === 0 ? [] : ['', 'Plans at the largest size:', ...plans]),
      ].join('\n'),
    },
    { config, stores, results, plans },
  )
}

await runBenchmark(readConfig, usage, main)
