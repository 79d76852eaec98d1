import {
  Confirmation,
  DynamicUserInput,
  ExternalExecution,
  InterruptedCall,
  ModelFailure,
  OutputReview,
  RequiredApproval,
  RouteSelection,
  StepConfirmation,
  StepUserInput,
  UserInput,
} from '@countersign/core'

const builtIn = [
  Confirmation,
  RequiredApproval,
  UserInput,
  DynamicUserInput,
  StepUserInput,
  StepConfirmation,
  ExternalExecution,
  InterruptedCall,
  ModelFailure,
  RouteSelection,
  OutputReview,
]

/** How a built-in kind is answered, as its plugin says: the form to show for it. */
const answers = new Map<string, string>(builtIn.map((plugin) => [plugin.kind, plugin.answers]))

export const answersOf = (kind: string): string | undefined => answers.get(kind)

/** What a person is asked, in their words, for each built-in kind of requirement. */
const names = new Map<string, string>([
  [Confirmation.kind, 'Confirmation'],
  [RequiredApproval.kind, 'Approval'],
  [UserInput.kind, 'Input needed'],
  [DynamicUserInput.kind, 'Input needed'],
  [StepUserInput.kind, 'Input needed for a step'],
  [StepConfirmation.kind, 'Go-ahead for a step'],
  [ExternalExecution.kind, 'Result from outside needed'],
  [InterruptedCall.kind, 'Interrupted call'],
  [ModelFailure.kind, 'The model failed'],
  [RouteSelection.kind, 'Choice of route'],
  [OutputReview.kind, 'Review of a step’s output'],
])

/** A kind of requirement as a person reads it: a plugin's own kind in words made of its name. */
export const kindName = (kind: string) => {
  const known = names.get(kind)
  if (known !== undefined) return known
  const words = kind.replace(/[_-]+/g, ' ').trim()
  return words.charAt(0).toUpperCase() + words.slice(1)
}
