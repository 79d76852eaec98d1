import { serverStoreNames, type ServerStoreName } from './serverProcess.js'
import { positive, readSettings, settingsUsage, storesIn } from './settings.js'

export interface ServerConfig {
  readonly stores: ReadonlyArray<ServerStoreName>
  /** Resolve-to-event samples taken and thrown away before the measured ones, on each side. */
  readonly warmup: number
  /** Resolve-to-event samples measured on each side. */
  readonly samples: number
  /** Clients (each its own connections) driving runs at once in the throughput measure. */
  readonly clients: number
  /** Runs each of those clients drives, one after the other. */
  readonly runs: number
}

/** Each setting: its flag, its environment variable, its default (sized to finish in about a minute). */
const settings = {
  samples: { flag: 'samples', env: 'BENCH_SERVER_SAMPLES', fallback: '300' },
  // A fresh server process's latency settles only after a few hundred runs, as V8 optimises its hot paths.
  warmup: { flag: 'warmup', env: 'BENCH_SERVER_WARMUP', fallback: '500' },
  clients: { flag: 'clients', env: 'BENCH_SERVER_CLIENTS', fallback: '50' },
  runs: { flag: 'runs', env: 'BENCH_SERVER_RUNS', fallback: '20' },
  stores: { flag: 'stores', env: 'BENCH_SERVER_STORES', fallback: serverStoreNames.join(',') },
} as const

export const usage = [
  'Usage: pnpm bench:server [--samples N] [--warmup N] [--clients K] [--runs N] [--stores LIST]',
  ...settingsUsage(settings),
  `  LIST is a comma-separated subset of ${serverStoreNames.join(', ')}.`,
].join('\n')

/** The settings from the flags, else the environment, else the defaults; 'help' for --help. Throws on a bad value. */
export const readServerConfig = (
  args: ReadonlyArray<string>,
  env: NodeJS.ProcessEnv,
): ServerConfig | 'help' => {
  const read = readSettings(settings, args, env)
  if (read === 'help') return 'help'
  return {
    stores: storesIn(read.stores, serverStoreNames),
    samples: positive('--samples', read.samples),
    warmup: positive('--warmup', read.warmup),
    clients: positive('--clients', read.clients),
    runs: positive('--runs', read.runs),
  }
}
