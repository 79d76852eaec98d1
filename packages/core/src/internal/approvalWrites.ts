import { Effect } from 'effect'
import * as Approval from '../Approval.js'
import type { RunStore } from '../RunStore.js'

/**
 * The store, running `written` after each write that appended approval changes: how an engine's
 * approval feeds hear its own writes at once, without waiting for their next read of the store.
 */
export const announcingApprovalWrites = (store: RunStore, written: Effect.Effect<void>): RunStore => ({
  ...store,
  commit: (batch, run, requirements, deliveries) =>
    requirements.some(({ kind }) => kind === Approval.kind)
      ? Effect.zipLeft(store.commit(batch, run, requirements, deliveries), written)
      : store.commit(batch, run, requirements, deliveries),
  resolveRequirement: (runId, requirementId, resolution, deliveries) =>
    Effect.tap(store.resolveRequirement(runId, requirementId, resolution, deliveries), ({ kind }) =>
      kind === Approval.kind ? written : Effect.void,
    ),
  recordApproval: (approval) => Effect.zipLeft(store.recordApproval(approval), written),
  useGrant: (grantId, approval) => Effect.zipLeft(store.useGrant(grantId, approval), written),
})
