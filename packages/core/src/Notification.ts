import { Schema } from 'effect'
import { Json } from './Json.js'
import { RunStatus } from './Run.js'
import { UserInputField } from './UserInputField.js'

/*
 * A notification: what happened to a requirement (or a run), as every channel receives it and a
 * webhook POSTs it. Plain JSON, versioned: a field is only ever added in a version, and a change
 * of meaning takes a new `version`, so receivers can check it.
 */

/** What a notification is about. */
export const NotificationEvent = Schema.Literal(
  'requirement.raised',
  'requirement.decided',
  'requirement.expired',
  'requirement.reminded',
  'requirement.escalated',
  'run.ended',
)
export type NotificationEvent = typeof NotificationEvent.Type

/** Someone, as a notification names them. */
export const Person = Schema.Struct({ id: Schema.String, name: Schema.optional(Schema.String) })
export type Person = typeof Person.Type

/** The run a notification is about (its input cut to `maxInputLength` characters). */
export const RunSummary = Schema.Struct({
  runId: Schema.String,
  agentId: Schema.String,
  status: RunStatus,
  userId: Schema.optional(Schema.String),
  principal: Person,
  input: Schema.String,
})
export type RunSummary = typeof RunSummary.Type

export const maxInputLength = 500

/** The requirement a notification is about: what a person is asked to decide, in words and data. */
export const RequirementSummary = Schema.Struct({
  runId: Schema.String,
  requirementId: Schema.String,
  /** The requirement's kind: `approval`, `confirmation`, `user_input`, `external_execution`, … */
  kind: Schema.String,
  /** What is asked, in a few words for a person ("Approval needed: send_email"). */
  title: Schema.String,
  toolName: Schema.optional(Schema.String),
  args: Schema.optional(Json),
  reason: Schema.optional(Schema.String),
  policy: Schema.optional(Schema.String),
  approvalId: Schema.optional(Schema.String),
  approvalType: Schema.optional(Schema.String),
  /** The form to fill in, for kinds answered with user input. */
  fields: Schema.optional(Schema.Array(UserInputField)),
  expiresAt: Schema.optional(Schema.Number),
  /** `pending`, or how it ended: `approved`, `rejected`, `answered`, `expired`, `cancelled`. */
  status: Schema.String,
})
export type RequirementSummary = typeof RequirementSummary.Type

export const DecisionOutcome = Schema.Literal(
  'confirmed',
  'rejected',
  'answered',
  'result',
  'error',
  'expired',
  'cancelled',
)
export type DecisionOutcome = typeof DecisionOutcome.Type

/** How a requirement was decided, for `requirement.decided` and `requirement.expired`. */
export const DecisionSummary = Schema.Struct({
  by: Person,
  outcome: DecisionOutcome,
  note: Schema.optional(Schema.String),
  editedArgs: Schema.optional(Json),
})
export type DecisionSummary = typeof DecisionSummary.Type

/** For `requirement.escalated`: which escalation step, and who may now decide. */
export const EscalationSummary = Schema.Struct({
  level: Schema.Int,
  approverRoles: Schema.optional(Schema.Array(Schema.String)),
})
export type EscalationSummary = typeof EscalationSummary.Type

export const version = 1

export const Notification = Schema.Struct({
  version: Schema.Literal(version),
  /** Unique per notification, the same on every attempt to deliver it (a webhook's `webhook-id`). */
  id: Schema.String,
  event: NotificationEvent,
  /** When it happened, epoch milliseconds. */
  occurredAt: Schema.Number,
  /** Where a person sees it in the control panel. */
  link: Schema.String,
  run: RunSummary,
  /** Absent for `run.ended`. */
  requirement: Schema.optional(RequirementSummary),
  decision: Schema.optional(DecisionSummary),
  escalation: Schema.optional(EscalationSummary),
})
export type Notification = typeof Notification.Type
