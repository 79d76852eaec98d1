import { countersignProject } from '@countersign/vitest-config'
import { mergeConfig, type UserWorkspaceConfig } from 'vitest/config'

// One MongoDB server for the run (the fleet test's): MONGODB_URL when set, else a FerretDB the harness starts.
export default mergeConfig(countersignProject('webhooks') as UserWorkspaceConfig, {
  test: { globalSetup: ['@countersign/ferretdb-harness/globalSetup'] },
})
