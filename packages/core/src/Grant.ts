import { Schema } from 'effect'
import { Json } from './Json.js'
import type { ToolCall } from './Message.js'
import { Principal } from './Principal.js'

/*
 * A grant is an approver's sign-off given ahead of time: calls of one tool in one session (with
 * exactly these arguments, if it names them) need no approval while it is active. A `session`
 * grant lasts until revoked; a `once` grant lets one call through. Every use is recorded as an
 * approval naming the grant.
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
}) {}

export const statusOf = (grant: Grant): GrantStatus =>
  grant.revocation !== undefined ? 'revoked' : grant.scope === 'once' && grant.uses > 0 ? 'used' : 'active'

export const GrantFilter = Schema.Struct({
  sessionId: Schema.optional(Schema.String),
  sourceId: Schema.optional(Schema.String),
  toolName: Schema.optional(Schema.String),
  status: Schema.optional(GrantStatus),
})
export type GrantFilter = typeof GrantFilter.Type

/** Equal as JSON values, whatever the order of object keys. */
const sameJson = (a: unknown, b: unknown): boolean => {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  const keysA = Object.keys(a)
  const keysB = Object.keys(b)
  return (
    keysA.length === keysB.length &&
    keysA.every((key) => sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]))
  )
}

/** Whether an active grant covers this call of `sourceId` in `sessionId`. */
export const covers = (grant: Grant, sourceId: string, sessionId: string | undefined, call: ToolCall) =>
  statusOf(grant) === 'active' &&
  grant.sessionId === sessionId &&
  grant.sourceId === sourceId &&
  grant.toolName === call.name &&
  (grant.args === undefined || sameJson(grant.args, call.args))
