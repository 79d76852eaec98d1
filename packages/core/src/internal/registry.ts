import type { AnyRequirementPlugin } from '../RequirementPlugin.js'
import { Confirmation } from '../plugins/Confirmation.js'
import { ExternalExecution } from '../plugins/ExternalExecution.js'
import { InterruptedCall } from '../plugins/InterruptedCall.js'
import { ModelFailure } from '../plugins/ModelFailure.js'
import { OutputReview } from '../plugins/OutputReview.js'
import { RequiredApproval } from '../plugins/RequiredApproval.js'
import { RouteSelection } from '../plugins/RouteSelection.js'
import { StepConfirmation } from '../plugins/StepConfirmation.js'
import { StepUserInput } from '../plugins/StepUserInput.js'
import { DynamicUserInput, UserInput } from '../plugins/UserInput.js'

/** The kinds every agent understands, written with the same plugin API as anyone's. */
export const builtinPlugins: ReadonlyArray<AnyRequirementPlugin> = [
  Confirmation,
  UserInput,
  DynamicUserInput,
  ExternalExecution,
  InterruptedCall,
  ModelFailure,
  RequiredApproval,
]

/** The kinds every workflow understands: what its steps pause for. */
export const workflowPlugins: ReadonlyArray<AnyRequirementPlugin> = [
  StepConfirmation,
  StepUserInput,
  RouteSelection,
  OutputReview,
]
