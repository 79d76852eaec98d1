import { type Principal, RunNotFound, type RunRecord, type Countersign } from '@countersign/core'
import { Option } from 'effect'
import { isAdmin, isApprover } from '../auth.js'
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

/**
 * The run, if `principal` may read it: one they may see, or, for an approver, a run with an
 * approval waiting for a decision or decided by them, or with a call recorded for audit — so
 * that they weigh (or review) a call with its conversation in front of them. Reading only: continuing, resolving or cancelling it stays its
 * owner's (`visibleRun`).
 */
export const readableRun = async (
  countersign: Countersign,
  principal: Principal,
  runId: string,
): Promise<RunRecord> => {
  try {
    return await visibleRun(countersign, principal, runId)
  } catch (error) {
    if (!isApprover(principal)) throw error
    const { approvals } = await countersign.approvals.list({ runId, limit: 1000 })
    const decides = approvals.some(
      (approval) =>
        approval.status === 'pending' ||
        approval.type === 'audit' ||
        approval.resolvedBy?.id === principal.id,
    )
    if (!decides) throw error
    return Option.getOrThrowWith(await runToPromise(countersign.store.getRun(runId)), () => error)
  }
}
