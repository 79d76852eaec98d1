/**
 * What a pause/resume cycle costs the store, early and late in one long run: the reads, writes
 * and bytes each way of cycle 1 and of cycle N (200 by default), hot (continued by the engine
 * that paused the run, which holds it suspended) and cold (continued by a new engine over the
 * same store, which holds nothing of it). On MongoDB the commands the client sends (command
 * monitoring); on SQLite the statements run (a wrapper around better-sqlite3's statements).
 * Prints a table and writes the figures to bench/results/cycle-cost.json. See bench/README.md.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { RunOutput, RunStore } from '@countersign/core'
import { SqliteStore } from '@countersign/sqlite'
import { runBenchmark } from './internal/entry.js'
import { startMongoDatabases } from './internal/mongoDatabases.js'
import { meterMongo, meterSqlite, type Traffic, type TrafficMeter } from './internal/storeTraffic.js'
import { publish, say } from './output.js'
import { positive, readSettings, settingsUsage, storesIn } from './settings.js'
import { cycle, cyclingAgent, startRun } from './workload.js'

const storeNames = ['sqlite', 'mongodb'] as const
type StoreName = (typeof storeNames)[number]

const settings = {
  cycles: { flag: 'cycles', env: 'BENCH_CYCLE_COST_CYCLES', fallback: '200' },
  stores: { flag: 'stores', env: 'BENCH_CYCLE_COST_STORES', fallback: storeNames.join(',') },
} as const

const usage = [
  'Usage: pnpm bench:cycle-cost [--cycles N] [--stores LIST]',
  ...settingsUsage(settings),
  `  LIST: a subset of ${storeNames.join(', ')}. MONGODB_URL: use that server, not a FerretDB.`,
].join('\n')

/** A store with its traffic metered from the moment it is open. */
interface Metered {
  readonly store: RunStore
  readonly description: string
  readonly meter: TrafficMeter
  readonly close: () => Promise<void>
}

const sqlite = async (): Promise<Metered> => {
  const directory = await mkdtemp(join(tmpdir(), 'countersign-bench-cost-'))
  const store = SqliteStore.make({ path: join(directory, 'bench.db') })
  const meter = meterSqlite()
  return {
    store,
    description: 'SqliteStore on a temporary file; statements counted by a wrapper of better-sqlite3',
    meter,
    close: async () => {
      meter.stop()
      store.close()
      await rm(directory, { recursive: true, force: true })
    },
  }
}

const mongodb = async (): Promise<Metered> => {
  const mongo = await startMongoDatabases()
  try {
    const { store } = await mongo.open()
    return {
      store,
      description: `MongoStore on ${mongo.description}; commands counted by command monitoring`,
      meter: meterMongo(mongo.client),
      close: mongo.close,
    }
  } catch (error) {
    await mongo.close().catch(() => undefined)
    throw error
  }
}

const openers: Readonly<Record<StoreName, () => Promise<Metered>>> = { sqlite, mongodb }

type Mode = 'hot' | 'cold'

interface CycleCost {
  readonly store: StoreName
  readonly cycle: number
  readonly mode: Mode
  readonly traffic: Traffic
}

/**
 * One run per mode, cycled `cycles` times by one engine; in the cold run, the measured cycles (the
 * first and the last) are continued by a new engine instead, created and disposed around them.
 */
const costs = async (name: StoreName, { store, meter }: Metered, cycles: number) => {
  const engine = cyclingAgent(store)
  const measured: Array<CycleCost> = []
  try {
    for (const mode of ['hot', 'cold'] as const) {
      let paused: RunOutput = await startRun(engine)
      for (let done = 1; done <= cycles; done++) {
        const counted = done === 1 || done === cycles
        const by = counted && mode === 'cold' ? cyclingAgent(store) : engine
        meter.take()
        paused = await cycle(by, paused)
        const traffic = meter.take()
        if (by !== engine) await by.dispose()
        if (counted) measured.push({ store: name, cycle: done, mode, traffic })
      }
      say(`${name}: ${mode} run, ${cycles} cycles`)
    }
  } finally {
    await engine.dispose()
  }
  return measured
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`

const render = (rows: ReadonlyArray<CycleCost>) => {
  const header = [
    'store',
    'cycle',
    'resume',
    'reads',
    'writes',
    'bytes read',
    'bytes written',
    'by command or statement',
  ]
  const cells = rows.map(({ store, cycle: number, mode, traffic }) => [
    store,
    String(number),
    mode,
    String(traffic.reads),
    String(traffic.writes),
    kb(traffic.bytesRead),
    kb(traffic.bytesWritten),
    Object.entries(traffic.byName)
      .map(([statement, { count, bytes }]) => `${statement} ${count}${bytes === 0 ? '' : ` (${kb(bytes)})`}`)
      .join(', '),
  ])
  const widths = header.map((title, column) =>
    Math.max(title.length, ...cells.map((row) => row[column]!.length)),
  )
  const line = (row: ReadonlyArray<string>) =>
    `| ${row.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...cells.map(line)].join('\n')
}

const main = async (config: { readonly cycles: number; readonly stores: ReadonlyArray<StoreName> }) => {
  const rows: Array<CycleCost> = []
  const stores: Partial<Record<StoreName, string>> = {}
  for (const name of config.stores) {
    say(`opening the ${name} store`)
    const opened = await openers[name]()
    try {
      stores[name] = opened.description
      rows.push(...(await costs(name, opened, config.cycles)))
    } finally {
      await opened.close()
    }
  }
  await publish(
    'cycle-cost.json',
    {
      title: `Store traffic of one pause/resume cycle, at cycle 1 and ${config.cycles} of one run`,
      how: [],
      stores,
      table: render(rows),
    },
    { config, stores, rows },
  )
}

await runBenchmark(
  (args, env) => {
    const read = readSettings(settings, args, env)
    return read === 'help'
      ? 'help'
      : { cycles: positive('--cycles', read.cycles), stores: storesIn(read.stores, storeNames) }
  },
  usage,
  main,
)
