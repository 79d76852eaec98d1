import type { Effect } from 'effect'
import type { WriteError } from '../Errors.js'
import type { IdGenerator } from '../IdGenerator.js'
import type { RequirementRecord } from '../Requirement.js'
import type { RunStore } from '../RunStore.js'
import type { Actor } from '../Runnable.js'
import type { WorkflowDefinition } from '../Workflow.js'
import { driveToStop } from './runLoop.js'
import type { RunWriter } from './RunWriter.js'
import { driveWorkflow } from './workflow/driveWorkflow.js'
import type { Background } from './background.js'
import type { Interrupted, StretchEnd } from './stop.js'

const isWorkflowRun = (writer: RunWriter): writer is RunWriter<WorkflowDefinition> =>
  writer.agent.kind === 'workflow'

/**
 * Drives one claim's worth of a run to its next stop, the way its definition runs: a workflow
 * through its steps, an agent or a team through its model loop.
 */
export const driveStretch = (
  writer: RunWriter,
  decided: ReadonlyArray<RequirementRecord>,
  interrupted: Interrupted | undefined,
): Effect.Effect<StretchEnd, WriteError, IdGenerator | RunStore | Background> =>
  isWorkflowRun(writer)
    ? driveWorkflow(writer, decided, interrupted)
    : // Anything else makes tool calls: an agent, or a team's leader.
      driveToStop(writer as RunWriter<Actor>, decided, interrupted)
