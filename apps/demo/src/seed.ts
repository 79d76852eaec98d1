import type { Countersign, Principal } from '@countersign/core'
import { Effect } from 'effect'
import { seedRuns } from './served.js'

/**
 * Starts the seed runs for `user` when the store holds no run yet (a first start); answers how
 * many it started. Each pauses at once, waiting for someone in the control panel or the CLI.
 */
export const seed = async (countersign: Countersign, user: typeof Principal.Encoded) => {
  const { runs } = await Effect.runPromise(countersign.store.listRuns({ offset: 0, limit: 1 }))
  if (runs.length > 0) return 0
  for (const { definitionId, input } of seedRuns)
    await countersign.run(definitionId, input, { principal: user, userId: user.id })
  return seedRuns.length
}
