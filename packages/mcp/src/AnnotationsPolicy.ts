import type { ToolAnnotations } from '@modelcontextprotocol/sdk/types.js'
import { Schema } from 'effect'

/**
 * What Countersign asks of a person before a call: nothing, a confirmation by the caller, an
 * approval by an approver, or nothing but a record of the call (an audit).
 */
export const Control = Schema.Literal('none', 'confirm', 'approve', 'audit')
export type Control = typeof Control.Type

/**
 * How MCP tool annotations become requirements. The MCP specification says annotations from an
 * untrusted server are untrusted: a server can call a destructive tool read-only. So the policy
 * only ever reads them as the server's claim, and each server can be told otherwise (`hints`) or
 * have its claims ignored (`annotations: false`, every tool then treated as destructive).
 *
 * A tool is read-only (`readOnlyHint: true`), else destructive (`destructiveHint`, true when
 * absent), else additive; `openWorld` (`openWorldHint`, true when absent) adds to what that asks.
 */
export const AnnotationsPolicy = Schema.Struct({
  readOnly: Control,
  destructive: Control,
  /** Writes that only add (`destructiveHint: false`). */
  additive: Control,
  /** Tools that reach beyond the server (the web, other systems): `audit` records their calls. */
  openWorld: Schema.Literal('none', 'audit'),
  /**
   * A call that was running when its connection died: `retry` runs it again (same idempotency key)
   * without asking when the server says it is read-only or idempotent; `ask` always asks.
   */
  interrupted: Schema.Literal('retry', 'ask'),
})
export type AnnotationsPolicy = typeof AnnotationsPolicy.Type

/** Reading is free, destroying is confirmed, open-world calls are recorded, interrupted calls are asked about. */
export const defaults: AnnotationsPolicy = {
  readOnly: 'none',
  destructive: 'confirm',
  additive: 'none',
  openWorld: 'audit',
  interrupted: 'ask',
}

/** The hints a tool is judged by: the server's, overridden per tool by the toolkit's own. */
export type Hints = Pick<
  ToolAnnotations,
  'readOnlyHint' | 'destructiveHint' | 'idempotentHint' | 'openWorldHint'
>

/** What a call of a tool with these hints needs, under this policy: its control, and whether it is also audited. */
export const controlOf = (
  policy: AnnotationsPolicy,
  hints: Hints,
): { readonly control: Control; readonly audited: boolean } => {
  const control =
    hints.readOnlyHint === true
      ? policy.readOnly
      : hints.destructiveHint === false
        ? policy.additive
        : policy.destructive
  const audited = policy.openWorld === 'audit' && hints.openWorldHint !== false && control !== 'approve'
  return { control, audited }
}

/** Whether an interrupted call of a tool with these hints is run again without asking. */
export const retriesWhenInterrupted = (policy: AnnotationsPolicy, hints: Hints): boolean =>
  policy.interrupted === 'retry' && (hints.readOnlyHint === true || hints.idempotentHint === true)
