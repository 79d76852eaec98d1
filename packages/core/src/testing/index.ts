/**
 * @countersign/core/testing — what a RunStore author needs to prove a store: the conformance
 * suite, the agent-level resume suite, the crash-recovery suite (real processes; its child side
 * is `@countersign/core/testing/agent-process`) and the stored-size suite (run them from vitest
 * test files), the sample records and the agent the suites are built from, a workflow that
 * pauses twice (`workflowPipeline`), and `failureOf` for asserting typed failures.
 */
export {
  batchOf,
  describeStoreConformance,
  sampleEvents,
  samplePrincipal,
  sampleRequirement,
  sampleResolution,
  sampleRun,
  sampleTranscript,
} from './StoreConformance.js'
export type { StoreUnderTest } from './StoreConformance.js'
export { sampleApproval, sampleGrant } from './ApprovalConformance.js'
export { describeResumeAcrossStores } from './ResumeAcrossStores.js'
export type { SharedDatabase } from './ResumeAcrossStores.js'
export { failureOf } from './failureOf.js'
export { readStoredRun, storedPausedRun } from './StoredRun.js'
export { describeCrashRecovery } from './CrashRecovery.js'
export type { AgentProcesses } from './CrashRecovery.js'
export { describeStoredSize } from './StoredSize.js'
export type { MeasuredDatabase } from './StoredSize.js'
export { treasurer, treasurerAnswer } from './treasurer.js'
export { workflowPipeline } from './workflowScenario.js'
