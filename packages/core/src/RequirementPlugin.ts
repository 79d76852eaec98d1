import { Data, type Duration, Schema } from 'effect'
import { Json } from './Json.js'
import type { ToolCall } from './Message.js'
import type { Principal } from './Principal.js'
import type { OnExpire } from './Requirement.js'

/**
 * How a person answers a kind of requirement. The three standard answers have fixed resolution
 * shapes, and the requirement objects' `confirm`/`reject`, `provideUserInput` and
 * `setExternalExecutionResult` work on every kind that uses them; `custom` kinds take any shape
 * through `resolve(value)`.
 */
export type Answer = 'decision' | 'user_input' | 'external_result' | 'custom'

export const Decision = Schema.Struct({
  approved: Schema.Boolean,
  /** Why: on a rejection, what the model is told. */
  note: Schema.optional(Schema.String),
  /** Anything else the decider attaches (a ticket number, say), kept with the decision. */
  data: Schema.optional(Json),
  /**
   * Approved with changes: every argument the call runs with, in place of the ones asked about
   * (kinds that take edits only: confirmations and approvals). Checked against the tool's
   * parameters, then judged again by the tool and every policy.
   */
  args: Schema.optional(Schema.Record({ key: Schema.String, value: Json })),
})
export type Decision = typeof Decision.Type

export const UserInputAnswer = Schema.Struct({
  values: Schema.Record({ key: Schema.String, value: Json }),
})
export type UserInputAnswer = typeof UserInputAnswer.Type

/** What a call carried out outside the agent came to: its result, or why it failed (the model is told). */
export const ExternalResult = Schema.Union(
  Schema.Struct({ result: Json }),
  Schema.Struct({ error: Schema.NonEmptyString }),
)
export type ExternalResult = typeof ExternalResult.Type

/** What happens to the blocked tool call once its requirements are resolved. */
export type Outcome = Data.TaggedEnum<{
  /** Run the tool with these arguments (the model's, or edited/filled ones). */
  Execute: { readonly args: Readonly<Record<string, unknown>> }
  /** Do not run it; the model is told why, as the call's error result. */
  Skip: { readonly message: string }
  /** Do not run it; this value, supplied from outside, is the call's result. */
  Result: { readonly result: unknown }
  /** Do not run it; it failed outside the agent, as this says (the model is told it as the call's error). */
  Fail: { readonly error: string }
}>
export const Outcome = Data.taggedEnum<Outcome>()

/** A call a person declined, skipped: the model reads their note if they wrote one, else `otherwise`. */
export const declined = (note: string | undefined, otherwise: string): Outcome =>
  Outcome.Skip({ message: note !== undefined && note.trim() !== '' ? note : otherwise })

export interface OutcomeInput<Request, Resolution> {
  readonly call: ToolCall
  readonly request: Request
  readonly resolution: Resolution
  /** The arguments the call would run with now: the model's, as changed by earlier requirements. */
  readonly args: Readonly<Record<string, unknown>>
}

export interface ResolverContext<Request> {
  readonly request: Request
  /** Who started the run. */
  readonly runPrincipal: Principal
  readonly toolCall: ToolCall
}

// Schemas are invariant in their encoded type; plugins only care about the decoded one.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type SchemaOf<A> = Schema.Schema<A, any>

/** How long a requirement may wait for a decision, and what happens when nobody decides in time. */
export interface Expiry {
  readonly after: Duration.DurationInput
  readonly onExpire: OnExpire
}

/** A requirement this plugin's kind places on a tool call: made by `plugin.need(request)`. */
export interface Need {
  readonly plugin: AnyRequirementPlugin
  readonly request: unknown
  readonly expiry?: Expiry
}

/** One kind of pause. Plugins are plain values: build them with `RequirementPlugin.make`. */
export interface RequirementPlugin<Kind extends string, Request, Resolution> {
  readonly kind: Kind
  readonly answers: Answer
  /** What the person is shown, stored with the requirement. */
  readonly request: SchemaOf<Request>
  /** What the person answers. */
  readonly resolution: SchemaOf<Resolution>
  /** Checks an answer against its request beyond the schema; returns why it is invalid, if it is. */
  readonly check: (request: Request, resolution: Resolution) => string | undefined
  /** Whether a decision on it may approve the call with changed arguments (`Decision.args`). */
  readonly editsArguments: boolean
  readonly outcome: (input: OutcomeInput<Request, Resolution>) => Outcome
  /** Who may resolve it. */
  readonly mayResolve: (principal: Principal, context: ResolverContext<Request>) => boolean
  readonly need: (request: Request, expiry?: Expiry) => Need
  /**
   * Raised by a running call (`Tool.pause`): its answer goes to that call (`ctx.answers`), not
   * into its arguments, so answering it with a form does not have the call judged again.
   */
  readonly duringCall: boolean
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRequirementPlugin = RequirementPlugin<string, any, any>

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ResolutionOf<P> = P extends RequirementPlugin<string, any, infer R> ? R : never

const resolutionSchemas = {
  decision: Decision,
  user_input: UserInputAnswer,
  external_result: ExternalResult,
} as const

type StandardResolution<A extends Answer> = A extends keyof typeof resolutionSchemas
  ? (typeof resolutionSchemas)[A]['Type']
  : never

interface PluginSpec<Kind extends string, A extends Answer, Request, Resolution> {
  readonly kind: Kind
  readonly answers: A
  readonly request: SchemaOf<Request>
  readonly outcome: (input: OutcomeInput<Request, Resolution>) => Outcome
  readonly check?: (request: Request, resolution: Resolution) => string | undefined
  readonly mayResolve?: (principal: Principal, context: ResolverContext<Request>) => boolean
  /** A decision may approve the call with changed arguments (default false): its outcome runs them. */
  readonly editsArguments?: boolean
  /** Raised by a running call (`Tool.pause`), whose answer goes to that call (default false). */
  readonly duringCall?: boolean
}

/** What no decision may carry: changes where the kind takes none, or changes to a call it rejects. */
const editRefusal = (editsArguments: boolean, resolution: unknown): string | undefined => {
  const { approved, args } = resolution as Decision
  if (args === undefined) return undefined
  if (!editsArguments) return 'this kind of requirement takes no changed arguments'
  return approved ? undefined : 'changed arguments come with an approval, not a rejection'
}

/**
 * Defines a kind of requirement. Standard answers bring their resolution schema; a `custom`
 * kind declares its own.
 */
export function make<Kind extends string, A extends Exclude<Answer, 'custom'>, Request>(
  spec: PluginSpec<Kind, A, Request, StandardResolution<A>>,
): RequirementPlugin<Kind, Request, StandardResolution<A>>
export function make<Kind extends string, Request, Resolution>(
  spec: PluginSpec<Kind, 'custom', Request, Resolution> & { readonly resolution: SchemaOf<Resolution> },
): RequirementPlugin<Kind, Request, Resolution>
export function make(
  spec: PluginSpec<string, Answer, unknown, unknown> & { readonly resolution?: Schema.Schema.AnyNoContext },
): AnyRequirementPlugin {
  const resolution: Schema.Schema.AnyNoContext | undefined =
    spec.answers === 'custom' ? spec.resolution : resolutionSchemas[spec.answers]
  if (resolution === undefined)
    throw new TypeError(`Requirement kind "${spec.kind}" needs a resolution schema.`)
  const own = spec.check ?? (() => undefined)
  const editsArguments = spec.editsArguments === true
  const plugin: AnyRequirementPlugin = {
    kind: spec.kind,
    answers: spec.answers,
    request: spec.request,
    resolution,
    editsArguments,
    check:
      spec.answers === 'decision'
        ? (request, answer) => editRefusal(editsArguments, answer) ?? own(request, answer)
        : own,
    outcome: spec.outcome,
    mayResolve: spec.mayResolve ?? (() => true),
    need: (request, expiry) => (expiry === undefined ? { plugin, request } : { plugin, request, expiry }),
    duringCall: spec.duringCall ?? false,
  }
  return plugin as never
}
