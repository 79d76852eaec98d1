/**
 * @countersign/core/testing — what a RunStore author needs to prove a store: the conformance
 * suite, the agent-level resume suite, the crash-recovery suite (real processes; its child side
 * is `@countersign/core/testing/agent-process`), the cold-resume suite (real processes, a fresh
 * one at every pause of each scenario; its child side is
 * `@countersign/core/testing/cold-resume-process`) and the stored-size suite (run them from
 * vitest test files), the sample records, the agent and the scenarios the suites are built from
 * (teams, and a workflow that pauses twice: `workflowPipeline`), and `failureOf` for asserting
 * typed failures; and `fillStore` with the `growingQueries` that must stay indexed as a store grows.
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
export { sampleNotification } from './OutboxConformance.js'
export { describeResumeAcrossStores } from './ResumeAcrossStores.js'
export type { SharedDatabase } from './ResumeAcrossStores.js'
export { failureOf } from './failureOf.js'
export { readStoredRun, storedPausedRun } from './StoredRun.js'
export { describeCrashRecovery } from './CrashRecovery.js'
export type { AgentProcesses } from './processKit.js'
export { describeColdResume } from './ColdResume.js'
export type { ColdResumeProcesses } from './ColdResume.js'
export type { ColdResumeScenario, ScenarioInstance } from './ColdResumeScenario.js'
export { teamScenarios } from './teamScenarios.js'
export { coldResumeScenarios } from './coldResumeScenarios.js'
export { describeStoredSize } from './StoredSize.js'
export type { MeasuredDatabase } from './StoredSize.js'
export { treasurer, treasurerAnswer } from './treasurer.js'
export { workflowPipeline } from './workflowScenario.js'
export { fillStore, growingQueries } from './growingQueries.js'
export { markMovedFrom } from './EventsOfRunsConformance.js'
