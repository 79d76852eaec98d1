import { Schema } from 'effect'
import * as RequirementPlugin from '../RequirementPlugin.js'

/**
 * The call is carried out outside the agent: whatever result is handed back is the call's result,
 * and a failure handed back (`{ error }`) is the call's failure.
 */
export const ExternalExecution = RequirementPlugin.make({
  kind: 'external_execution',
  answers: 'external_result',
  request: Schema.Struct({}),
  outcome: ({ resolution }) =>
    'error' in resolution
      ? RequirementPlugin.Outcome.Fail({ error: resolution.error })
      : RequirementPlugin.Outcome.Result({ result: resolution.result }),
})
