import { text } from 'node:stream/consumers'
import { printRun } from '../printRun.js'
import type { Act, Program } from '../program.js'
import { externalResult, userInput } from '../resolutions.js'
import { fieldValues, parsed } from '../fields.js'
import { UsageError } from '../UsageError.js'
import { requirementOfRun } from '../ids.js'

/** An argument's value, or stdin's for `-`. */
const valueOf = async (argument: string) =>
  parsed(argument === '-' ? (await text(process.stdin)).trim() : argument)

/** Answers a requirement of the caller's run (user input, an external result, any value), and continues it. */
export const registerAnswers = (program: Program, act: Act) => {
  program
    .command('input')
    .summary('answer a user-input requirement of your run')
    .description(
      'fill in the form of a user-input requirement of your run and continue the run (the server checks the values)',
    )
    .argument('<runId>')
    .argument('<requirementId>')
    .argument('<fields...>', 'name=value, a value read as JSON when it parses, else as text')
    .action((run, requirement, pairs, _options, command) => {
      const values = fieldValues(pairs)
      return act(command.optsWithGlobals(), async (context) => {
        const { runId, requirementId } = await requirementOfRun(context, run, requirement)
        return printRun(
          context.output,
          await context.client.runs.continue(runId, [userInput(requirementId, values)]),
        )
      })
    })
  program
    .command('result')
    .summary('hand back the result of a call made outside the agent')
    .description(
      'hand back the result of a call carried out outside the agent (or, with --error, why it failed: the model is told), and continue the run',
    )
    .argument('<runId>')
    .argument('<requirementId>')
    .argument('[result]', 'JSON (or text), or - to read it from stdin')
    .option('-e, --error <message>', 'the call failed outside the agent: why')
    .action((run, requirement, result, options, command) => {
      if ((result === undefined) === (options.error === undefined))
        throw new UsageError('give the result, or --error with why the call failed (one of them)')
      return act(command.optsWithGlobals(), async (context) => {
        const value =
          options.error === undefined ? { result: await valueOf(result!) } : { error: options.error }
        const { runId, requirementId } = await requirementOfRun(context, run, requirement)
        return printRun(
          context.output,
          await context.client.runs.continue(runId, [externalResult(requirementId, value)]),
        )
      })
    })
  program
    .command('resolve')
    .summary('answer a requirement of any kind with its resolution value')
    .description(
      "answer a requirement of your run with the value its kind's plugin takes (a workflow's route selection, your own kinds), and continue the run",
    )
    .argument('<runId>')
    .argument('<requirementId>')
    .argument('<value>', 'JSON (or text), or - to read it from stdin')
    .action((run, requirement, value, _options, command) =>
      act(command.optsWithGlobals(), async (context) => {
        const resolution = await valueOf(value)
        const { runId, requirementId } = await requirementOfRun(context, run, requirement)
        return printRun(
          context.output,
          await context.client.runs.continue(runId, [{ requirementId, value: resolution }]),
        )
      }),
    )
}
