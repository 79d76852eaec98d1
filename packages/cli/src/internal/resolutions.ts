import type { ResolutionInputs } from '@countersign/client'
import type { RequirementPlugin } from '@countersign/core'

/*
 * Answers in the shapes `runs.continue` takes, those of the core's plugins (the core's
 * `Resolutions` makes the same): built here from the core's types, so that the command loads
 * no run engine just to send them.
 */

type Resolution = ResolutionInputs[number]

/** A confirmation's answer, the same decision an approval takes: approved or not, and why. */
export const decision = (requirementId: string, answer: RequirementPlugin.Decision): Resolution => ({
  requirementId,
  value: answer,
})

export const userInput = (
  requirementId: string,
  values: RequirementPlugin.UserInputAnswer['values'],
): Resolution => ({
  requirementId,
  value: { values } satisfies RequirementPlugin.UserInputAnswer,
})

/** What a call carried out outside the agent came to: its result, or (`{ error }`) why it failed. */
export const externalResult = (
  requirementId: string,
  value: RequirementPlugin.ExternalResult,
): Resolution => ({
  requirementId,
  value,
})
