import { TRPCClientError, type AppRouter } from '@countersign/client'

/**
 * What the `countersign` command exits with, for scripts to branch on. A command that starts,
 * continues or watches a run exits by where the run stands; any other exits 0 when it did
 * what it was asked.
 */
export const ExitCode = {
  /** Done: the command succeeded, and the run it started, continued or watched completed. */
  ok: 0,
  /** Anything else: the server could not be reached, or failed unexpectedly. */
  failure: 1,
  /** Bad arguments, or a request the server refused as invalid (its error is shown). */
  usage: 2,
  /** The run is paused: it waits for someone's decision. */
  paused: 3,
  /** The run failed or was cancelled. */
  runFailed: 4,
  /** No such run, requirement, approval or definition (or not one you may see). */
  notFound: 5,
  /** Already decided, or the run is not in a state that allows it (busy, not paused). */
  conflict: 6,
  /** The token is missing or unknown, or its user lacks the role. */
  notAllowed: 7,
} as const
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

/** The exit codes as `--help` and the README list them. */
export const exitCodeHelp: ReadonlyArray<readonly [ExitCode, string]> = [
  [ExitCode.ok, 'success (a run started, continued or watched completed)'],
  [ExitCode.failure, 'anything else (server unreachable, unexpected error)'],
  [ExitCode.usage, 'usage error, or input the server refused as invalid'],
  [ExitCode.paused, 'the run is paused, waiting for someone'],
  [ExitCode.runFailed, 'the run failed or was cancelled'],
  [ExitCode.notFound, 'not found (run, requirement, approval, definition)'],
  [ExitCode.conflict, 'conflict (already decided, run busy or not paused)'],
  [ExitCode.notAllowed, 'unauthenticated or forbidden'],
]

/** Where a run stands, as an exit code. */
export const exitCodeOfStatus = (status: string): ExitCode => {
  switch (status) {
    case 'paused':
      return ExitCode.paused
    case 'failed':
    case 'cancelled':
      return ExitCode.runFailed
    default:
      return ExitCode.ok
  }
}

/** The tRPC code of each class of the server's typed errors, as an exit code. */
const byCode: Readonly<Record<string, ExitCode>> = {
  BAD_REQUEST: ExitCode.usage,
  PAYLOAD_TOO_LARGE: ExitCode.usage,
  NOT_FOUND: ExitCode.notFound,
  CONFLICT: ExitCode.conflict,
  PRECONDITION_FAILED: ExitCode.conflict,
  UNAUTHORIZED: ExitCode.notAllowed,
  FORBIDDEN: ExitCode.notAllowed,
}

/**
 * A server failure as an exit code: the server classes each of its typed errors (`_tag`) by a
 * tRPC code, which decides here; anything without one is a plain failure.
 */
export const exitCodeOfError = (error: unknown): ExitCode => {
  if (!(error instanceof TRPCClientError)) return ExitCode.failure
  const code = (error as TRPCClientError<AppRouter>).data?.code
  return (code === undefined ? undefined : byCode[code]) ?? ExitCode.failure
}
