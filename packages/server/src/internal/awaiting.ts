import { Approval, type Countersign, maxRunPageSize, type Principal, type RunRecord } from '@countersign/core'
import { Effect, Option } from 'effect'
import { isApprover } from '../auth.js'
import { awaitingView, type AwaitingView } from '../views.js'
import { runToPromise } from './effects.js'

/** The paused root runs of a user, every page of them. */
const allPaused = async (countersign: Countersign, userId: string): Promise<Array<RunRecord>> => {
  const runs: Array<RunRecord> = []
  for (let offset = 0; ; offset += maxRunPageSize) {
    const page = await runToPromise(
      countersign.store.listRuns({ userId, status: 'paused', offset, limit: maxRunPageSize }),
    )
    runs.push(...page.runs)
    if (page.runs.length < maxRunPageSize || runs.length >= page.total) return runs
  }
}

/**
 * What waits for the caller: the open requirements of their own paused runs that are not
 * approvals (an approval is for an approver, not the requester), and, for approvers and admins,
 * every pending approval of the queue. Newest first.
 */
export const awaitingFor = async (
  countersign: Countersign,
  principal: Principal,
): Promise<Array<AwaitingView>> => {
  const store = countersign.store
  const own = await Promise.all(
    (await allPaused(countersign, principal.id)).map(async (run) => {
      const requirements = await runToPromise(store.listRequirements(run.runId))
      return requirements
        .filter(
          (requirement) =>
            requirement.status === 'pending' &&
            requirement.kind !== Approval.kind &&
            run.pendingRequirementIds.includes(requirement.id),
        )
        .map((requirement) => awaitingView(requirement, run))
    }),
  )
  const approvals: Array<AwaitingView> = []
  if (isApprover(principal)) {
    for (let offset = 0; ; offset += Approval.maxPageSize) {
      const page = await countersign.approvals.list({
        status: 'pending',
        offset,
        limit: Approval.maxPageSize,
      })
      for (const approval of page.approvals) {
        const [requirement, run] = await runToPromise(
          Effect.all([store.getRequirement(approval.runId, approval.id), store.getRun(approval.runId)]),
        )
        // Only approvals held by a requirement of a paused run are still decidable.
        if (Option.isSome(requirement) && Option.isSome(run) && run.value.status === 'paused')
          approvals.push(awaitingView(requirement.value, run.value))
      }
      if (page.approvals.length < Approval.maxPageSize) break
    }
  }
  return [...own.flat(), ...approvals].sort(
    (a, b) => b.createdAt - a.createdAt || (a.requirementId < b.requirementId ? -1 : 1),
  )
}
