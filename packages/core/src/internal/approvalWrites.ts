import { Effect } from 'effect'
import * as Approval from '../Approval.js'
import type { JournalBatch, RunStore } from '../RunStore.js'

/**
 * Whether a batch may have appended approval changes: its decisions may be on approvals (the
 * batch does not say their kinds, so a wake-up may find nothing new).
 */
const decides = (batch: JournalBatch | undefined) => (batch?.decisions?.length ?? 0) > 0

/**
 * The store, running `written` after each write that appended approval changes: how an engine's
 * approval feeds hear its own writes at once, without waiting for their next read of the store.
 */
export const announcingApprovalWrites = (store: RunStore, written: Effect.Effect<void>): RunStore => ({
  ...store,
  createRun: (run, first) =>
    decides(first) ? Effect.zipLeft(store.createRun(run, first), written) : store.createRun(run, first),
  appendBatch: (batch) =>
    decides(batch) ? Effect.zipLeft(store.appendBatch(batch), written) : store.appendBatch(batch),
  commit: (batch, run, requirements, deliveries) =>
    decides(batch) || requirements.some(({ kind }) => kind === Approval.kind)
      ? Effect.zipLeft(store.commit(batch, run, requirements, deliveries), written)
      : store.commit(batch, run, requirements, deliveries),
  resolveRequirement: (runId, requirementId, resolution, deliveries) =>
    Effect.tap(store.resolveRequirement(runId, requirementId, resolution, deliveries), ({ kind }) =>
      kind === Approval.kind ? written : Effect.void,
    ),
  recordApproval: (approval) => Effect.zipLeft(store.recordApproval(approval), written),
  useGrant: (grantId, approval) => Effect.zipLeft(store.useGrant(grantId, approval), written),
})
