import { Effect } from 'effect'
import { PolicyFailed } from './Errors.js'
import type { ToolCall } from './Message.js'
import type { Principal } from './Principal.js'
import type { Need } from './RequirementPlugin.js'
import type { Tool } from './Tool.js'
import { describe } from './internal/describe.js'

/** What a policy sees of a tool call. */
export interface PolicyContext {
  readonly tool: Tool
  readonly call: ToolCall
  readonly runId: string
  readonly agentId: string
  readonly sessionId: string | undefined
  /** Who started the run. */
  readonly principal: Principal
}

/**
 * Decides which requirements a tool call needs, beyond what the tool declares itself. May answer
 * with a value, a Promise or an Effect. A policy that throws or fails blocks the call: policies
 * fail closed.
 */
export interface Policy {
  readonly name: string
  readonly evaluate: (
    context: PolicyContext,
  ) => ReadonlyArray<Need> | PromiseLike<ReadonlyArray<Need>> | Effect.Effect<ReadonlyArray<Need>, unknown>
}

export const make = (name: string, evaluate: Policy['evaluate']): Policy => ({ name, evaluate })

/** Applies one policy, turning anything but a list of needs into PolicyFailed. */
export const evaluate = (
  policy: Policy,
  context: PolicyContext,
): Effect.Effect<ReadonlyArray<Need>, PolicyFailed> => {
  const failed = (cause: unknown) =>
    new PolicyFailed({
      policy: policy.name,
      toolName: context.call.name,
      reason: describe(cause),
    })
  return Effect.suspend(() => {
    const answer = policy.evaluate(context)
    if (Effect.isEffect(answer)) return answer
    return Effect.tryPromise({ try: async () => await answer, catch: (cause) => cause })
  }).pipe(
    Effect.flatMap((needs) =>
      Array.isArray(needs)
        ? Effect.succeed(needs as ReadonlyArray<Need>)
        : Effect.fail(new Error('it did not answer with a list')),
    ),
    Effect.catchAllDefect((defect) => Effect.fail(defect)),
    Effect.mapError(failed),
  )
}
