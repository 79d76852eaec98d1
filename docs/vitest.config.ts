import { countersignProject } from '@countersign/vitest-config'
import { mergeConfig } from 'vitest/config'

// Each example is a process of its own: two at a time keep a 2-core machine responsive.
export default mergeConfig(countersignProject('docs'), { test: { maxConcurrency: 2 } })
