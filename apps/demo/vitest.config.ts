import { countersignProject } from '@countersign/vitest-config'
import { mergeConfig, type UserWorkspaceConfig } from 'vitest/config'

// A MongoDB server for the test of the demo on MongoDB: MONGODB_URL when set, else a FerretDB the harness starts.
// (countersignProject returns a plain object; its declared type also admits a function.)
export default mergeConfig(countersignProject('demo') as UserWorkspaceConfig, {
  test: { globalSetup: ['@countersign/ferretdb-harness/globalSetup'] },
})
