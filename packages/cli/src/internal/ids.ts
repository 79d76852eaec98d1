import type { Context } from './Context.js'
import { UsageError } from './UsageError.js'

/** Shorter prefixes match too much by chance to be worth a lookup. */
const minPrefix = 4

/** Long enough to be a whole id (UUIDs are 36 characters): no lookup needed. */
const wholeIdLength = 36

/**
 * The one id among `known` that `given` is or begins, as git takes a commit's unique prefix;
 * `given` itself when none is (the server then says what it does not know).
 */
export const expandId = (given: string, known: Iterable<string>, what: string): string => {
  const ids = new Set(known)
  if (ids.has(given) || given.length < minPrefix) return given
  const matches = [...ids].filter((id) => id.startsWith(given))
  if (matches.length > 1)
    throw new UsageError(
      `"${given}" begins ${matches.length} ${what} ids (${matches.slice(0, 3).join(', ')}${matches.length > 3 ? ', …' : ''}): give more of it`,
    )
  return matches[0] ?? given
}

/** How many of the caller's latest runs a run id prefix is matched against: `countersign runs` shows them. */
const recentRuns = 100

/**
 * A run id as given, or expanded from a unique prefix of a run the caller sees in
 * `countersign pending` or among their latest runs in `countersign runs`.
 */
export const runIdOf = async ({ client }: Context, given: string): Promise<string> => {
  if (given.length >= wholeIdLength) return given
  const [awaiting, latest] = await Promise.all([
    client.runs.awaitingMe(),
    client.runs.list({ limit: recentRuns }),
  ])
  return expandId(
    given,
    [...awaiting.map(({ runId }) => runId), ...latest.runs.map(({ runId }) => runId)],
    'run',
  )
}

/** A requirement id as given, or expanded from a unique prefix of one in `countersign pending`. */
const requirementIdOf = async ({ client }: Context, given: string, runId?: string): Promise<string> => {
  if (given.length >= wholeIdLength) return given
  const awaiting = await client.runs.awaitingMe()
  return expandId(
    given,
    awaiting
      .filter((item) => runId === undefined || item.runId === runId)
      .map(({ requirementId }) => requirementId),
    'requirement',
  )
}

/** A requirement of a run, each given whole or by a unique prefix. */
export const requirementOfRun = async (context: Context, run: string, requirement: string) => {
  const runId = await runIdOf(context, run)
  return { runId, requirementId: await requirementIdOf(context, requirement, runId) }
}
