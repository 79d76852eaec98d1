import { countersignProject } from '@countersign/vitest-config'
import { mergeConfig } from 'vitest/config'

// Each test runs the command a few times, each a node process compiling TypeScript on start.
export default mergeConfig(countersignProject('cli'), { test: { testTimeout: 60_000 } })
