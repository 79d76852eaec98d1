import { Schema } from 'effect'
import * as RequirementPlugin from '../RequirementPlugin.js'

/** The call is carried out outside the agent; whatever result is handed back is the call's result. */
export const ExternalExecution = RequirementPlugin.make({
  kind: 'external_execution',
  answers: 'external_result',
  request: Schema.Struct({}),
  outcome: ({ resolution }) => RequirementPlugin.Outcome.Result({ result: resolution.result }),
})
