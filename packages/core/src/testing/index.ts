/**
 * @countersign/core/testing — what a RunStore author needs to prove a store: the conformance
 * suite (run it from a vitest test file) and the sample records it is built from.
 */
export {
  describeStoreConformance,
  sampleEvents,
  samplePrincipal,
  sampleRequirement,
  sampleResolution,
  sampleRun,
  sampleTranscript,
} from './StoreConformance.js'
export type { StoreUnderTest } from './StoreConformance.js'
