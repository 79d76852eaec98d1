import type { RequirementSummary } from '@countersign/core'
import { Schema } from 'effect'

/*
 * What the buttons of a requirement's message do, and how a button or modal names the
 * requirement it is about: the action ids, and the reference carried in a button's `value` and a
 * modal's `private_metadata`. A reference is only a pointer: who may decide is judged anew.
 */

export const actionIds = {
  approve: 'countersign_approve',
  reject: 'countersign_reject',
  fill: 'countersign_fill',
  result: 'countersign_result',
  open: 'countersign_open',
} as const

/** The modals' callback ids: what a `view_submission` answers. */
export const callbackIds = {
  reject: 'countersign_reject',
  fill: 'countersign_fill',
  result: 'countersign_result',
} as const

/** Which requirement a button or modal is about. */
export const RequirementRef = Schema.Struct({
  runId: Schema.NonEmptyString,
  requirementId: Schema.NonEmptyString,
})
export type RequirementRef = typeof RequirementRef.Type

export const encodeRef = (ref: RequirementRef) =>
  JSON.stringify({ runId: ref.runId, requirementId: ref.requirementId })

export const decodeRef = Schema.decodeUnknownOption(Schema.parseJson(RequirementRef))

/** How a person answers a requirement from Slack: the standard answers; anything else is decided in the panel. */
export type SlackAnswer = 'decision' | 'user_input' | 'external_result' | 'panel'

/** The standard kinds answered with a decision (approve, or reject with a note). */
const decisionKinds = new Set([
  'approval',
  'confirmation',
  'step_confirmation',
  'interrupted_call',
  'model_failure',
])

export const answerOf = (requirement: RequirementSummary): SlackAnswer =>
  decisionKinds.has(requirement.kind)
    ? 'decision'
    : requirement.fields !== undefined
      ? 'user_input'
      : requirement.kind === 'external_execution'
        ? 'external_result'
        : 'panel'
