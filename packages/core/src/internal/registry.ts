import type { AnyRequirementPlugin } from '../RequirementPlugin.js'
import { Confirmation } from '../plugins/Confirmation.js'
import { ExternalExecution } from '../plugins/ExternalExecution.js'
import { InterruptedCall } from '../plugins/InterruptedCall.js'
import { RequiredApproval } from '../plugins/RequiredApproval.js'
import { DynamicUserInput, UserInput } from '../plugins/UserInput.js'

/** The kinds every agent understands, written with the same plugin API as anyone's. */
export const builtinPlugins: ReadonlyArray<AnyRequirementPlugin> = [
  Confirmation,
  UserInput,
  DynamicUserInput,
  ExternalExecution,
  InterruptedCall,
  RequiredApproval,
]
