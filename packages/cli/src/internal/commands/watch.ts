import { exitCodeOfStatus } from '../../ExitCode.js'
import { eventLine } from '../events.js'
import type { Act, Program } from '../program.js'

export const registerWatch = (program: Program, act: Act) =>
  program
    .command('watch')
    .summary("print a run's events live until it ends")
    .description("print a run's events, stored then live, one a line, until it ends; exit by how it ended")
    .argument('<runId>')
    .action((runId, _options, command) =>
      act(command.optsWithGlobals(), async ({ client, output }) => {
        // The subscription spans the run's pauses and completes after its final event.
        for await (const event of client.runEvents(runId)) {
          if (output.json) output.value(event)
          else output.lines([eventLine(output, event)])
        }
        return exitCodeOfStatus((await client.runs.get(runId)).status)
      }),
    )
