import { Effect } from 'effect'
import * as Approval from '../Approval.js'
import type { RunStore } from '../RunStore.js'

/**
 * The store, running `written` after each write that appended approval changes: how an engine's
 * approval feeds hear its own writes at once, without waiting for their next read of the store.
 */
export const announcingApprovalWrites = (store: RunStore, written: Effect.Effect<void>): RunStore => ({
  ...store,
  commit: (batch, run, requirements) =>
    requirements.some(({ kind }) => kind === Approval.kind)
      ? Effect.zipLeft(store.commit(batch, run, requirements), written)
      : store.commit(batch, run, requirements),
  resolveRequirement: (runId, requirementId, resolution) =>
    Effect.tap(store.resolveRequirement(runId, requirementId, resolution), ({ kind }) =>
      kind === Approval.kind ? written : Effect.void,
    ),
  recordApproval: (approval) => Effect.zipLeft(store.recordApproval(approval), written),
  useGrant: (grantId, approval) => Effect.zipLeft(store.useGrant(grantId, approval), written),
})
