import { parseArgs } from 'node:util'
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
  ...Object.values(settings).map(
    ({ flag, env, fallback }) => `  --${flag.padEnd(18)} or ${env.padEnd(24)} default ${fallback}`,
  ),
  `  LIST is a comma-separated subset of ${storeNames.join(', ')}. MONGODB_URL: use that server, not a FerretDB.`,
].join('\n')

/** A positive integer from a setting's text; throws naming the setting otherwise. */
export const positive = (name: string, text: string) => {
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value < 1)
    throw new Error(`${name} must be a positive integer, not "${text}"`)
  return value
}

/** The settings from the flags, else the environment, else the defaults; 'help' for --help. Throws on a bad value. */
export const readConfig = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv): Config | 'help' => {
  const { values } = parseArgs({
    args: [...args],
    options: {
      help: { type: 'boolean' },
      cycles: { type: 'string' },
      warmup: { type: 'string' },
      concurrency: { type: 'string' },
      'concurrent-cycles': { type: 'string' },
      stores: { type: 'string' },
    },
  })
  if (values.help === true) return 'help'
  const read = (key: keyof typeof settings) => {
    const { flag, env: variable, fallback } = settings[key]
    const given = values[flag]
    return typeof given === 'string' ? given : env[variable] || fallback
  }
  const stores = read('stores')
    .split(',')
    .map((name) => name.trim())
  for (const name of stores)
    if (!storeNames.includes(name as StoreName))
      throw new Error(`unknown store "${name}": the stores are ${storeNames.join(', ')}`)
  return {
    stores: storeNames.filter((name) => stores.includes(name)),
    warmup: positive('--warmup', read('warmup')),
    cycles: positive('--cycles', read('cycles')),
    concurrency: positive('--concurrency', read('concurrency')),
    concurrentCycles: positive('--concurrent-cycles', read('concurrentCycles')),
  }
}
