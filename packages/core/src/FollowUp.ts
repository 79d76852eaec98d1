import { Duration, Option, Schema } from 'effect'
import { DefinitionError } from './Errors.js'

/*
 * Reminders and escalations of a pending approval: after `remind.after` its notification is sent
 * again (`requirement.reminded`); after `escalate.after` it goes to the escalation's channels too
 * (`requirement.escalated`) and the escalation's roles may decide it as well. Both only while the
 * approval is pending and before it expires. The sweeper performs each step once, whatever the
 * number of passes, restarts and servers: the store records a step at most once.
 */

/** What a tool's `approval(...)` or a policy asks for, as given. */
export interface FollowUpOptions {
  readonly remind?: Remind | undefined
  readonly escalate?: Escalate | undefined
}

export interface Remind {
  readonly after: Duration.DurationInput
}

export interface Escalate {
  readonly after: Duration.DurationInput
  readonly to: { readonly channels?: ReadonlyArray<string>; readonly roles?: ReadonlyArray<string> }
}

/** The same, as an approval's request stores it (durations in milliseconds, so it is JSON). */
export const FollowUpPlan = Schema.Struct({
  remind: Schema.optional(Schema.Struct({ afterMs: Schema.Number })),
  escalate: Schema.optional(
    Schema.Struct({
      afterMs: Schema.Number,
      channels: Schema.optional(Schema.Array(Schema.String)),
      roles: Schema.optional(Schema.Array(Schema.String)),
    }),
  ),
})
export type FollowUpPlan = typeof FollowUpPlan.Type

export const FollowUpStep = Schema.Literal('reminded', 'escalated')
export type FollowUpStep = typeof FollowUpStep.Type

/** A step performed, as the store records it (once per requirement and step). */
export class FollowUp extends Schema.Class<FollowUp>('FollowUp')({
  runId: Schema.NonEmptyString,
  requirementId: Schema.NonEmptyString,
  step: FollowUpStep,
  at: Schema.Number,
  /** An escalation's: who may decide besides the approvers, and where it was sent besides the routes. */
  roles: Schema.optional(Schema.Array(Schema.String)),
  channels: Schema.optional(Schema.Array(Schema.String)),
}) {}

const positive = (subject: string, what: string, input: Duration.DurationInput) => {
  const duration = Duration.decodeUnknown(input)
  if (Option.isNone(duration) || !Duration.greaterThan(duration.value, Duration.zero))
    throw new DefinitionError({ subject, reason: `${what} must be a positive duration` })
  return Duration.toMillis(duration.value)
}

/** The plan of `options`, checked (DefinitionError for durations that are not positive, or an escalation to nobody). */
export const planOf = (subject: string, options: FollowUpOptions): FollowUpPlan => {
  const { remind, escalate } = options
  if (escalate !== undefined && (escalate.to.channels ?? []).length + (escalate.to.roles ?? []).length === 0)
    throw new DefinitionError({ subject, reason: 'escalate.to names channels or roles' })
  return {
    ...(remind === undefined ? {} : { remind: { afterMs: positive(subject, 'remind.after', remind.after) } }),
    ...(escalate === undefined
      ? {}
      : {
          escalate: {
            afterMs: positive(subject, 'escalate.after', escalate.after),
            ...(escalate.to.channels === undefined ? {} : { channels: [...escalate.to.channels] }),
            ...(escalate.to.roles === undefined ? {} : { roles: [...escalate.to.roles] }),
          },
        }),
  }
}

const decodePlan = Schema.decodeUnknownOption(Schema.Struct({ followUps: FollowUpPlan }))

/** The plan an approval's request holds, if any. */
export const planIn = (request: unknown): FollowUpPlan | undefined =>
  Option.getOrUndefined(decodePlan(request))?.followUps

/** The steps of `plan` due at `now` for a requirement raised at `createdAt`, before it expires. */
export const dueSteps = (
  plan: FollowUpPlan,
  createdAt: number,
  expiresAt: number | undefined,
  now: number,
): ReadonlyArray<FollowUpStep> => {
  if (expiresAt !== undefined && now >= expiresAt) return []
  return [
    ...(plan.remind !== undefined && createdAt + plan.remind.afterMs <= now ? (['reminded'] as const) : []),
    ...(plan.escalate !== undefined && createdAt + plan.escalate.afterMs <= now
      ? (['escalated'] as const)
      : []),
  ]
}

/** The roles an escalation due at `now` admits among those who may decide. */
export const escalatedRoles = (request: unknown, createdAt: number, now: number): ReadonlyArray<string> => {
  const escalate = planIn(request)?.escalate
  return escalate !== undefined && createdAt + escalate.afterMs <= now ? (escalate.roles ?? []) : []
}
