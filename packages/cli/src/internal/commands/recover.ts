import { Option } from '@commander-js/extra-typings'
import { printRun } from '../printRun.js'
import { runIdOf } from '../ids.js'
import type { Act, Program } from '../program.js'

/** Taking over an interrupted run: one whose server died while it worked (see `runs --interrupted`). */
export const registerRecover = (program: Program, act: Act) =>
  program
    .command('recover')
    .summary('take over an interrupted run and go on')
    .description(
      'take over an interrupted run (its server died while it worked) and go on from what was stored: ' +
        'each call it had started without a result is put to you as a question first (--ask, the default), ' +
        'or run again at once with the same idempotency key (--retry, admins only); exit by its status',
    )
    .argument('<runId>', 'the run, or the first characters of its id')
    .addOption(
      new Option('--ask', 'ask before running an interrupted call again (the default)').conflicts('retry'),
    )
    .addOption(new Option('--retry', 'run interrupted calls again at once (admins only)'))
    .action((runId, options, command) =>
      act(command.optsWithGlobals(), async (context) =>
        printRun(
          context.output,
          await context.client.runs.recover(
            await runIdOf(context, runId),
            options.retry === true ? 'retry' : 'ask',
          ),
        ),
      ),
    )
