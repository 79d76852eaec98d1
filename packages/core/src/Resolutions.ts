import type { ResolutionInput } from './Requirement.js'
import type { AnyRequirementPlugin, Decision, ResolutionOf, UserInputAnswer } from './RequirementPlugin.js'

/*
 * Answers for `continueRun({ runId, resolutions })` and `resolve`, when the requirement
 * objects of a RunOutput are not at hand (a server, another process).
 */

export const confirm = (requirementId: string): ResolutionInput => ({
  requirementId,
  value: { approved: true } satisfies Decision,
})

/**
 * Confirms (approves) the call with changes: `args` are every argument it runs with, in place of
 * its own (confirmations and approvals take them; see `RequirementPlugin.Decision.args`).
 */
export const confirmWithChanges = (
  requirementId: string,
  args: Readonly<Record<string, unknown>>,
): ResolutionInput => ({
  requirementId,
  value: { approved: true, args } satisfies Decision,
})

export const reject = (requirementId: string, note?: string): ResolutionInput => ({
  requirementId,
  value: (note === undefined ? { approved: false } : { approved: false, note }) satisfies Decision,
})

export const userInput = (
  requirementId: string,
  values: Readonly<Record<string, unknown>>,
): ResolutionInput => ({
  requirementId,
  value: { values } satisfies UserInputAnswer,
})

export const externalResult = (requirementId: string, result: unknown): ResolutionInput => ({
  requirementId,
  value: { result },
})

/** The call carried out outside the agent failed: the model is told `error` as its failure. */
export const externalError = (requirementId: string, error: string): ResolutionInput => ({
  requirementId,
  value: { error },
})

/** An answer to a requirement of `plugin`'s kind, its shape checked at compile time. */
export const of = <P extends AnyRequirementPlugin>(
  _plugin: P,
  requirementId: string,
  value: ResolutionOf<P>,
): ResolutionInput => ({ requirementId, value })
