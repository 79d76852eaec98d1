import { Command, Option } from '@commander-js/extra-typings'
import type { GlobalOptions, Work } from './Context.js'

/** The `countersign` command with the options every subcommand takes. */
export const rootCommand = () =>
  new Command('countersign')
    .addOption(new Option('--url <url>', "the server's base URL, http(s)://host:port").env('COUNTERSIGN_URL'))
    .addOption(new Option('--token <token>', 'your bearer token').env('COUNTERSIGN_TOKEN'))
    .option('--json', "print the server's answer as JSON (events: one JSON object a line)")

export type Program = ReturnType<typeof rootCommand>

/** Runs a subcommand's work with the global options; records its exit code. */
export type Act = (options: GlobalOptions, work: Work) => Promise<void>
