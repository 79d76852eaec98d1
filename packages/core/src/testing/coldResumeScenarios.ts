import type { ColdResumeScenario } from './ColdResumeScenario.js'
import { teamScenarios } from './teamScenarios.js'
import { workflowPipeline } from './workflowScenario.js'

/** Every scenario the stores' cold-resume suites play: teams at every depth, and a workflow. */
export const coldResumeScenarios: ReadonlyArray<ColdResumeScenario> = [...teamScenarios, workflowPipeline]
