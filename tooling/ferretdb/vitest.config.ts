import { countersignProject } from '@countersign/vitest-config'
import { mergeConfig, type UserWorkspaceConfig } from 'vitest/config'

// The globalSetup line is the one a package whose tests need MongoDB adds (there as
// '@countersign/ferretdb-harness/globalSetup'); test/globalSetup.test.ts checks it.
// (countersignProject returns a plain object; its declared type also admits a function.)
export default mergeConfig(countersignProject('ferretdb') as UserWorkspaceConfig, {
  test: { globalSetup: ['./src/globalSetup.ts'] },
})
