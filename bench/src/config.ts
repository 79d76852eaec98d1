import { positive, readSettings, settingsUsage, storesIn } from './settings.js'
import { storeNames, type StoreName } from './stores.js'

export interface Config {
  readonly stores: ReadonlyArray<StoreName>
  /** Cycles run and thrown away before each measurement, to warm the JIT, caches and connections. */
  readonly warmup: number
  /** Cycles of the one run of the sequential variant. */
  readonly cycles: number
  /** Runs cycling at once in the concurrent variant. */
  readonly concurrency: number
  /** Cycles of each run of the concurrent variant. */
  readonly concurrentCycles: number
}

/** Each setting: its flag, its environment variable, its default (sized to finish in about a minute). */
const settings = {
  cycles: { flag: 'cycles', env: 'BENCH_CYCLES', fallback: '100' },
  warmup: { flag: 'warmup', env: 'BENCH_WARMUP', fallback: '20' },
  concurrency: { flag: 'concurrency', env: 'BENCH_CONCURRENCY', fallback: '8' },
  concurrentCycles: { flag: 'concurrent-cycles', env: 'BENCH_CONCURRENT_CYCLES', fallback: '6' },
  stores: { flag: 'stores', env: 'BENCH_STORES', fallback: storeNames.join(',') },
} as const

export const usage = [
  'Usage: pnpm bench [--cycles N] [--warmup N] [--concurrency K] [--concurrent-cycles N] [--stores LIST]',
  ...settingsUsage(settings),
  `  LIST is a comma-separated subset of ${storeNames.join(', ')}. MONGODB_URL: use that server, not a FerretDB.`,
].join('\n')

/** The settings from the flags, else the environment, else the defaults; 'help' for --help. Throws on a bad value. */
export const readConfig = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv): Config | 'help' => {
  const read = readSettings(settings, args, env)
  if (read === 'help') return 'help'
  return {
    stores: storesIn(read.stores, storeNames),
    warmup: positive('--warmup', read.warmup),
    cycles: positive('--cycles', read.cycles),
    concurrency: positive('--concurrency', read.concurrency),
    concurrentCycles: positive('--concurrent-cycles', read.concurrentCycles),
  }
}
