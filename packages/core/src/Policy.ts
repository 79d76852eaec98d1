import { Duration, Effect, Option } from 'effect'
import { kind as approvalKind } from './Approval.js'
import { PolicyFailed } from './Errors.js'
import type { ToolCall } from './Message.js'
import type { Principal } from './Principal.js'
import type { Expiry, Need } from './RequirementPlugin.js'
import type { Tool } from './Tool.js'
import { describe } from './internal/describe.js'

/** What a policy sees of a tool call. */
export interface PolicyContext {
  readonly tool: Tool
  readonly call: ToolCall
  readonly runId: string
  /** The agent (team, workflow) making the call. */
  readonly agentId: string
  readonly sessionId: string | undefined
  /** Who started the run. */
  readonly principal: Principal
}

/** What a policy sees when someone tries to resolve a requirement. */
export interface ResolveContext {
  /** Who is resolving. */
  readonly principal: Principal
  /** Who started the run: the requester. */
  readonly runPrincipal: Principal
  readonly kind: string
  readonly toolCall: ToolCall
  readonly request: unknown
  readonly runId: string
  readonly agentId: string
}

/** A policy may answer with a value, a Promise or an Effect. */
export type Answer<A> = A | PromiseLike<A> | Effect.Effect<A, unknown>

/**
 * Rules for an agent's tool calls, registered on the agent (`policies`). Every part is optional;
 * an agent applies each policy's parts in order:
 * - `evaluate`: the requirements a call needs beyond the tool's own (policies only add);
 * - `mayResolve`: whether someone may resolve a requirement (every policy must allow it);
 * - `expiry`: how long a requirement raised on a call may wait (the earliest deadline wins).
 * Policies fail closed: one that throws or fails blocks the call (PolicyFailed), or refuses the
 * resolution (NotAllowedToResolve). It never lets anything through.
 */
export interface Policy {
  readonly name: string
  readonly evaluate?: (context: PolicyContext) => Answer<ReadonlyArray<Need>>
  readonly mayResolve?: (context: ResolveContext) => Answer<boolean>
  readonly expiry?: (context: PolicyContext, kind: string) => Answer<Expiry | undefined>
}

/** A policy from its parts; `make(name, evaluate)` for one that only adds requirements. */
export function make(spec: Policy): Policy
export function make(name: string, evaluate: NonNullable<Policy['evaluate']>): Policy
export function make(specOrName: Policy | string, evaluate?: Policy['evaluate']): Policy {
  return typeof specOrName === 'string' ? { name: specOrName, ...(evaluate && { evaluate }) } : specOrName
}

/**
 * Runs a part of a policy, turning a throw, a failure or an answer of the wrong type into
 * `fail(reason)`: how the engine asks a policy, and how a composite policy asks its members.
 */
export const apply = <A, E>(
  answer: () => Answer<unknown>,
  check: (value: unknown) => value is A,
  expected: string,
  fail: (reason: string) => E,
): Effect.Effect<A, E> =>
  Effect.suspend(() => {
    const value = answer()
    if (Effect.isEffect(value)) return value as Effect.Effect<unknown, unknown>
    return Effect.tryPromise({ try: async () => await value, catch: (cause) => cause })
  }).pipe(
    Effect.flatMap((value) =>
      check(value) ? Effect.succeed(value) : Effect.fail(new Error(`it did not answer with ${expected}`)),
    ),
    Effect.catchAllDefect((defect) => Effect.fail(defect)),
    Effect.mapError((cause) => fail(describe(cause))),
  )

const failed = (policy: Policy, context: PolicyContext) => (reason: string) =>
  new PolicyFailed({ policy: policy.name, toolName: context.call.name, reason })

/** An approval a policy asks for names the policy, so that the approver sees who asked. */
const signed =
  (policy: Policy) =>
  (need: Need): Need =>
    need.plugin.kind === approvalKind &&
    typeof need.request === 'object' &&
    need.request !== null &&
    !('policy' in need.request)
      ? { ...need, request: { ...need.request, policy: policy.name } }
      : need

/** The requirements one policy adds to a call. */
export const evaluate = (
  policy: Policy,
  context: PolicyContext,
): Effect.Effect<ReadonlyArray<Need>, PolicyFailed> =>
  policy.evaluate === undefined
    ? Effect.succeed([])
    : Effect.map(
        apply(
          () => policy.evaluate!(context),
          (value): value is ReadonlyArray<Need> => Array.isArray(value),
          'a list',
          failed(policy, context),
        ),
        (needs) => needs.map(signed(policy)),
      )

const isExpiry = (value: unknown): value is Expiry => {
  if (typeof value !== 'object' || value === null) return false
  const { after, onExpire } = value as Record<string, unknown>
  const duration = Duration.decodeUnknown(after)
  return (
    (onExpire === 'reject' || onExpire === 'cancel') &&
    Option.isSome(duration) &&
    Duration.greaterThan(duration.value, Duration.zero)
  )
}

/** The deadline one policy sets on a requirement of `kind` raised on a call. */
export const expiry = (
  policy: Policy,
  context: PolicyContext,
  kind: string,
): Effect.Effect<Expiry | undefined, PolicyFailed> =>
  policy.expiry === undefined
    ? Effect.succeed(undefined)
    : apply(
        () => policy.expiry!(context, kind),
        (value): value is Expiry | undefined => value === undefined || isExpiry(value),
        'undefined or { after: a positive duration, onExpire: "reject" | "cancel" }',
        failed(policy, context),
      )

/** Whether one policy lets this principal resolve: a reason it does not, or undefined. */
export const refusal = (policy: Policy, context: ResolveContext): Effect.Effect<string | undefined> =>
  policy.mayResolve === undefined
    ? Effect.succeed(undefined)
    : apply(
        () => policy.mayResolve!(context),
        (value): value is boolean => typeof value === 'boolean',
        'true or false',
        (reason) => `policy "${policy.name}" failed: ${reason}`,
      ).pipe(
        Effect.map((allowed) => (allowed ? undefined : `policy "${policy.name}" does not allow it`)),
        Effect.merge,
      )
