import { Schema } from 'effect'
import { Json, sameJson } from './Json.js'
import type { ToolCall } from './Message.js'
import { Principal } from './Principal.js'
import { checkedOnce } from './internal/checkedOnce.js'

/*
 * A grant is an approver's sign-off given ahead of time: calls of one tool in one session of one
 * principal (with exactly these arguments, if it names them) need no approval while it is active.
 * A `session` grant lasts until revoked; a `once` grant lets one call through. Every use is
 * recorded as an approval naming the grant.
 */

export const GrantScope = Schema.Literal('session', 'once')
export type GrantScope = typeof GrantScope.Type

export const GrantStatus = Schema.Literal('active', 'used', 'revoked')
export type GrantStatus = typeof GrantStatus.Type

export const Revocation = Schema.Struct({
  revokedBy: Principal,
  revokedAt: Schema.Number,
  note: Schema.optional(Schema.String),
})
export type Revocation = typeof Revocation.Type

export class Grant extends Schema.Class<Grant>('Grant')({
  id: Schema.NonEmptyString,
  scope: GrantScope,
  sessionId: Schema.NonEmptyString,
  /**
   * The principal whose runs it covers: session ids are chosen by clients, so a session alone
   * names nobody. Grants stored before grants named one have none, and cover no run.
   */
  principalId: Schema.optional(Schema.NonEmptyString),
  /** The agent (team, workflow) whose calls it covers. */
  sourceId: Schema.NonEmptyString,
  toolName: Schema.NonEmptyString,
  /** Only calls with exactly these arguments; any arguments when absent. */
  args: Schema.optional(Schema.Record({ key: Schema.String, value: Json })),
  grantedBy: Principal,
  grantedAt: Schema.Number,
  note: Schema.optional(Schema.String),
  /** The approval whose decision gave it, if any. */
  approvalId: Schema.optional(Schema.String),
  /** How often it was used (stores count the uses they recorded). */
  uses: Schema.NonNegativeInt,
  revocation: Schema.optional(Revocation),
}) {
  constructor(props: Schema.Struct.Constructor<typeof Grant.fields>, options?: boolean) {
    super(checkGrant(props, options), true)
  }
}

const checkGrant = checkedOnce('Grant', Grant.fields)

export const statusOf = (grant: Grant): GrantStatus =>
  grant.revocation !== undefined ? 'revoked' : grant.scope === 'once' && grant.uses > 0 ? 'used' : 'active'

export const GrantFilter = Schema.Struct({
  sessionId: Schema.optional(Schema.String),
  sourceId: Schema.optional(Schema.String),
  toolName: Schema.optional(Schema.String),
  status: Schema.optional(GrantStatus),
})
export type GrantFilter = typeof GrantFilter.Type

/** Where a call is made: by whose run, in which session, of which agent (team, workflow). */
export interface CallSite {
  readonly principalId: string
  readonly sessionId: string | undefined
  readonly sourceId: string
}

/** Whether an active grant covers this call, made at `site`. */
export const covers = (grant: Grant, site: CallSite, call: ToolCall) =>
  statusOf(grant) === 'active' &&
  grant.principalId !== undefined &&
  grant.principalId === site.principalId &&
  grant.sessionId === site.sessionId &&
  grant.sourceId === site.sourceId &&
  grant.toolName === call.name &&
  (grant.args === undefined || sameJson(grant.args, call.args))
