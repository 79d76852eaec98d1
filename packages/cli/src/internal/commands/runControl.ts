import { ExitCode } from '../../ExitCode.js'
import { printRun } from '../printRun.js'
import { runIdOf } from '../ids.js'
import type { Act, Program } from '../program.js'

/** Where a run stands, continuing it, cancelling it. */
export const registerRunControl = (program: Program, act: Act) => {
  program
    .command('status')
    .summary('print where a run stands')
    .description('print where a run stands and what it waits for; exit by its status')
    .argument('<runId>', 'the run, or the first characters of its id')
    .action((runId, _options, command) =>
      act(command.optsWithGlobals(), async (context) =>
        printRun(context.output, await context.client.runs.get(await runIdOf(context, runId))),
      ),
    )
  program
    .command('continue')
    .summary('continue a paused run once its decisions are made')
    .description(
      'continue a paused run whose requirements are all decided (an approver decided its approval, say)',
    )
    .argument('<runId>', 'the run, or the first characters of its id')
    .action((runId, _options, command) =>
      act(command.optsWithGlobals(), async (context) =>
        printRun(context.output, await context.client.runs.continue(await runIdOf(context, runId))),
      ),
    )
  program
    .command('cancel')
    .summary('cancel a run')
    .description('cancel a running, paused or interrupted run (one whose server died while it worked)')
    .argument('<runId>', 'the run, or the first characters of its id')
    .action((runId, _options, command) =>
      act(command.optsWithGlobals(), async (context) => {
        printRun(context.output, await context.client.runs.cancel(await runIdOf(context, runId)))
        return ExitCode.ok
      }),
    )
}
