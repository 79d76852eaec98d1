/**
 * A benchmark's entry: its settings read from the command line and the environment, then `main`
 * run with them; `--help` prints the usage, a bad setting prints why and the usage (exit 2).
 */
export const runBenchmark = async <Config>(
  readConfig: (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv) => Config | 'help',
  usage: string,
  main: (config: Config) => Promise<void>,
) => {
  let config: Config | 'help'
  try {
    config = readConfig(process.argv.slice(2), process.env)
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${usage}`)
    process.exit(2)
  }
  if (config === 'help') console.log(usage)
  else await main(config)
}
