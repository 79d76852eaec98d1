import { exitCodeOfStatus } from '../../ExitCode.js'
import { eventPrinter } from '../events.js'
import { runIdOf } from '../ids.js'
import type { Act, Program } from '../program.js'

export const registerWatch = (program: Program, act: Act) =>
  program
    .command('watch')
    .summary("print a run's events live until it ends")
    .description(
      "print a run's events, stored then live, one a line (a model's text as it streams), until it ends; exit by how it ended",
    )
    .argument('<runId>', 'the run, or the first characters of its id')
    .action((given, _options, command) =>
      act(command.optsWithGlobals(), async ({ client, output }) => {
        const runId = await runIdOf({ client, output }, given)
        const printer = eventPrinter(output)
        // The subscription spans the run's pauses and completes after its final event.
        for await (const event of client.runEvents(runId)) printer.print(event)
        printer.end()
        return exitCodeOfStatus((await client.runs.get(runId)).status)
      }),
    )
