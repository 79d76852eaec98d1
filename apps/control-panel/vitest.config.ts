import { countersignProject } from '@countersign/vitest-config'
import { mergeConfig, type UserWorkspaceConfig } from 'vitest/config'

// The browser tests build the panel once (globalSetup), then drive Debian's chromium against a real server process.
// (countersignProject returns a plain object; its declared type also admits a function.)
export default mergeConfig(countersignProject('control-panel') as UserWorkspaceConfig, {
  test: {
    globalSetup: ['./test/globalSetup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})
