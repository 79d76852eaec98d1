import { type Principal, RunNotFound, type RunRecord, type Countersign } from '@countersign/core'
import { Option } from 'effect'
import { isAdmin } from '../auth.js'
import { runToPromise } from './effects.js'

/** Whose run it is: the user it was started for, else the principal who started it. */
const ownerOf = (run: RunRecord) => run.userId ?? run.principal.id

/**
 * The run, if `principal` may see it: their own, or any for an admin. Someone else's run is
 * answered as not found, like one that does not exist, so that run ids reveal nothing.
 */
export const visibleRun = async (
  countersign: Countersign,
  principal: Principal,
  runId: string,
): Promise<RunRecord> => {
  const run = Option.getOrUndefined(await runToPromise(countersign.store.getRun(runId)))
  if (run === undefined || !(isAdmin(principal) || ownerOf(run) === principal.id))
    throw new RunNotFound({ runId })
  return run
}
