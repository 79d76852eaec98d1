import { countersignProject } from '@countersign/vitest-config'
import { mergeConfig, type UserWorkspaceConfig } from 'vitest/config'

// The shared config is a plain object (tooling/vitest). Each example is a process of its own: two at a
// time keep a 2-core machine responsive.
export default mergeConfig(countersignProject('docs') as UserWorkspaceConfig, { test: { maxConcurrency: 2 } })
