import { Command, Option } from '@commander-js/extra-typings'
import type { GlobalOptions, Work } from './Context.js'

/** The `countersign` command with the options every subcommand takes. */
export const rootCommand = () =>
  new Command('countersign')
    .addOption(
      new Option('-u, --url <url>', "the server's base URL, http(s)://host:port").env('COUNTERSIGN_URL'),
    )
    .addOption(new Option('-t, --token <token>', 'your bearer token').env('COUNTERSIGN_TOKEN'))
    .addOption(
      new Option(
        '-p, --profile <name>',
        'the saved server and token to use (countersign login); default: the last logged into',
      ).env('COUNTERSIGN_PROFILE'),
    )
    .option('-j, --json', "print the server's answer as JSON (events: one JSON object a line)")

export type Program = ReturnType<typeof rootCommand>

/** Runs a subcommand's work with the global options; records its exit code. */
export type Act = (options: GlobalOptions, work: Work) => Promise<void>
