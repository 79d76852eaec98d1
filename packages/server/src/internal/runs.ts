import { type Principal, RunNotFound, type RunRecord, type Countersign } from '@countersign/core'
import { Option } from 'effect'
import { isAdmin, isApprover } from '../auth.js'
import { runToPromise } from './effects.js'

/** Whose run it is: the user it was started for, else the principal who started it. */
const ownerOf = (run: RunRecord) => run.userId ?? run.principal.id

/** Whether `principal` may see and work on the run: their own, or any for an admin. */
const mayWork = (principal: Principal, run: RunRecord) => isAdmin(principal) || ownerOf(run) === principal.id

const storedRun = async (countersign: Countersign, runId: string) =>
  Option.getOrUndefined(await runToPromise(countersign.store.getRun(runId)))

/**
 * The run, if `principal` may see it: their own, or any for an admin. Someone else's run is
 * answered as not found, like one that does not exist, so that run ids reveal nothing.
 */
export const visibleRun = async (
  countersign: Countersign,
  principal: Principal,
  runId: string,
): Promise<RunRecord> => {
  const run = await storedRun(countersign, runId)
  if (run === undefined || !mayWork(principal, run)) throw new RunNotFound({ runId })
  return run
}

/** Whether an approver weighs a call of the run: an approval waiting, one they decided, a call audited. */
const weighs = async (countersign: Countersign, principal: Principal, runId: string) => {
  if (!isApprover(principal)) return false
  const { approvals } = await countersign.approvals.list({ runId, limit: 1000 })
  return approvals.some(
    (approval) =>
      approval.status === 'pending' || approval.type === 'audit' || approval.resolvedBy?.id === principal.id,
  )
}

/**
 * The run, if `principal` may read it: one they may see (`visibleRun`), or, for an approver, a
 * run with an approval waiting for a decision or decided by them, or with a call recorded for
 * audit, so that they weigh (or review) a call with its conversation in front of them. Reading
 * only: continuing, resolving or cancelling it stays its owner's.
 */
export const readableRun = async (
  countersign: Countersign,
  principal: Principal,
  runId: string,
): Promise<RunRecord> => {
  const run = await storedRun(countersign, runId)
  if (run === undefined || !(mayWork(principal, run) || (await weighs(countersign, principal, runId))))
    throw new RunNotFound({ runId })
  return run
}
