/**
 * @countersign/core/testing — what a RunStore author needs to prove a store: the conformance
 * suite and the agent-level resume suite (run them from vitest test files), the sample records
 * the suites are built from, and `failureOf` for asserting typed failures.
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
export { describeResumeAcrossStores } from './ResumeAcrossStores.js'
export type { SharedDatabase } from './ResumeAcrossStores.js'
export { failureOf } from './failureOf.js'
