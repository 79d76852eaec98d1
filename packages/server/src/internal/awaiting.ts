import {
  Approval,
  type ApprovalRecord,
  type Countersign,
  maxRunPageSize,
  type PageTotal,
  type Principal,
  type RunRecord,
  type RunStore,
} from '@countersign/core'
import { Effect, Option } from 'effect'
import { isApprover } from '../auth.js'
import { awaitingView, type AwaitingView } from '../views.js'
import { runToPromise } from './effects.js'

/** How many store reads one call keeps in flight: enough to overlap round trips, few enough to share the store. */
const readConcurrency = 16

/**
 * Every item of a paged listing, page after page, until a short page or an exact total is
 * reached (a total that is a lower bound says nothing of where the listing ends).
 */
const allPages = <A, E>(
  pageSize: number,
  page: (offset: number) => Effect.Effect<{ readonly items: ReadonlyArray<A> } & PageTotal, E>,
) =>
  Effect.gen(function* () {
    const items: Array<A> = []
    for (let offset = 0; ; offset += pageSize) {
      const next = yield* page(offset)
      items.push(...next.items)
      if (next.items.length < pageSize || (next.totalExact && items.length >= next.total)) return items
    }
  })

/** The open requirements of a user's own paused run, other than approvals (those are an approver's). */
const openInRun = (store: RunStore, run: RunRecord) =>
  Effect.map(store.listRequirements(run.runId), (requirements) =>
    requirements
      .filter(
        (requirement) =>
          requirement.status === 'pending' &&
          requirement.kind !== Approval.kind &&
          run.pendingRequirementIds.includes(requirement.id),
      )
      .map((requirement) => awaitingView(requirement, run)),
  )

/** A pending approval as awaiting, if it is still decidable: held by a requirement of a paused run. */
const decidable = (store: RunStore, approval: ApprovalRecord) =>
  Effect.map(
    Effect.all([store.getRequirement(approval.runId, approval.id), store.getRun(approval.runId)]),
    ([requirement, run]) =>
      Option.isSome(requirement) && Option.isSome(run) && run.value.status === 'paused'
        ? [awaitingView(requirement.value, run.value)]
        : [],
  )

/**
 * What waits for the caller: the open requirements of their own paused runs that are not
 * approvals (an approval is for an approver, not the requester), and, for approvers and admins,
 * every pending approval of the queue. Newest first. The reads of each run and approval go on
 * side by side, `readConcurrency` at a time.
 */
export const awaitingFor = (countersign: Countersign, principal: Principal): Promise<Array<AwaitingView>> => {
  const store = countersign.store
  return runToPromise(
    Effect.gen(function* () {
      const paused = yield* allPages(maxRunPageSize, (offset) =>
        Effect.map(
          store.listRuns({ userId: principal.id, status: 'paused', offset, limit: maxRunPageSize }),
          ({ runs, ...total }) => ({ items: runs, ...total }),
        ),
      )
      const own = yield* Effect.forEach(paused, (run) => openInRun(store, run), {
        concurrency: readConcurrency,
      })
      const pending = isApprover(principal)
        ? yield* allPages(Approval.maxPageSize, (offset) =>
            Effect.map(
              store.listApprovals({ status: 'pending', offset, limit: Approval.maxPageSize }),
              ({ approvals, ...total }) => ({ items: approvals, ...total }),
            ),
          )
        : []
      const approvals = yield* Effect.forEach(
        // A run that moved on since needs no reads: its approvals are no longer decidable.
        pending.filter((approval) => approval.runStatus === 'paused'),
        (approval) => decidable(store, approval),
        { concurrency: readConcurrency },
      )
      return [...own.flat(), ...approvals.flat()].sort(
        (a, b) => b.createdAt - a.createdAt || (a.requirementId < b.requirementId ? -1 : 1),
      )
    }),
  )
}
