import { CommanderError } from '@commander-js/extra-typings'
import { errorOf } from '@countersign/client'
import { ExitCode, exitCodeHelp, exitCodeOfError } from './ExitCode.js'
import { withContext } from './internal/Context.js'
import { registerAnswers } from './internal/commands/answer.js'
import { registerCompletion } from './internal/commands/completion.js'
import { registerDecide } from './internal/commands/decide.js'
import { registerDefinitions } from './internal/commands/definitions.js'
import { registerGrants } from './internal/commands/grants.js'
import { registerHistory } from './internal/commands/history.js'
import { registerLogin } from './internal/commands/login.js'
import { registerPending } from './internal/commands/pending.js'
import { registerRecover } from './internal/commands/recover.js'
import { registerRun } from './internal/commands/run.js'
import { registerRunControl } from './internal/commands/runControl.js'
import { registerRuns } from './internal/commands/runs.js'
import { registerWatch } from './internal/commands/watch.js'
import { type Output, processOutput } from './internal/Output.js'
import { printable } from './internal/printable.js'
import { type Act, rootCommand } from './internal/program.js'
import { UsageError } from './internal/UsageError.js'

const exitCodesText = ['Exit codes:', ...exitCodeHelp.map(([code, meaning]) => `  ${code}  ${meaning}`)].join(
  '\n',
)

/** Every message of an error and of its causes: a network failure says what failed underneath. */
const messages = (error: unknown): Array<string> =>
  error instanceof Error ? [error.message, ...messages(error.cause)] : []

/** What to do about a failure, when the server's message does not say. */
const hintOf = (error: unknown, tag: string | undefined): string | undefined => {
  if (error instanceof UsageError) return 'See countersign --help.'
  if (tag === 'Unauthenticated')
    return 'The server did not accept the token: check --token or COUNTERSIGN_TOKEN.'
  if (tag === undefined && exitCodeOfError(error) === ExitCode.failure)
    return 'Check the server URL (--url or COUNTERSIGN_URL) and that the server is running.'
  return undefined
}

/** Reports a failure on stderr (JSON with `--json`) and answers its exit code. */
const report = (output: Output, error: unknown): ExitCode => {
  // Commander has printed its own (usage) errors, help and version already.
  if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage
  const code = error instanceof UsageError ? ExitCode.usage : exitCodeOfError(error)
  const data = errorOf(error)
  const message = data === undefined ? [...new Set(messages(error))].join(': ') : data.message
  if (output.json) output.error(JSON.stringify({ error: data ?? { message }, exitCode: code }))
  else {
    const tag = data === undefined ? '' : ` (${data._tag})`
    output.error(`${output.errorStyle('red', 'error:')} ${printable(`${message}${tag}`)}`)
    const hint = hintOf(error, data?._tag)
    if (hint !== undefined) output.error(hint)
  }
  return code
}

/**
 * The `countersign` command: parses `argv` (the arguments after the program's name), does what
 * it asks against the server, and answers the exit code.
 */
export const main = async (argv: ReadonlyArray<string>): Promise<ExitCode> => {
  let exitCode: ExitCode = ExitCode.ok
  const act: Act = async (options, work) => {
    exitCode = await withContext(options, work)
  }
  const program = rootCommand()
    .description(
      'Start Countersign runs, see what waits for you, decide it, and watch runs live, against a server.',
    )
    .configureHelp({ showGlobalOptions: true })
    .addHelpText('after', `\n${exitCodesText}`)
    .showHelpAfterError('(countersign --help lists the commands and options)')
    .exitOverride()
  for (const register of [
    registerDefinitions,
    registerRun,
    registerRuns,
    registerPending,
    registerDecide,
    registerAnswers,
    registerWatch,
    registerRunControl,
    registerRecover,
    registerHistory,
    registerGrants,
    registerLogin,
    registerCompletion,
  ])
    register(program, act)
  try {
    await program.parseAsync(argv, { from: 'user' })
    return exitCode
  } catch (error) {
    return report(processOutput(program.opts().json === true), error)
  }
}
