import { Effect, Either, JSONSchema, ParseResult, Schema, SchemaAST } from 'effect'
import { approval as checkApproval, type ApprovalOptions } from './Approval.js'
import { DefinitionError } from './Errors.js'
import { planOf } from './FollowUp.js'
import type { ToolCall } from './Message.js'
import type { Principal } from './Principal.js'
import type { Need } from './RequirementPlugin.js'
import { Confirmation } from './plugins/Confirmation.js'
import { ExternalExecution } from './plugins/ExternalExecution.js'
import { RequiredApproval } from './plugins/RequiredApproval.js'
import { UserInput } from './plugins/UserInput.js'
import type { FieldType, UserInputField } from './UserInputField.js'
import { invoke } from './internal/invoke.js'

/** What a tool's `execute` gets besides its arguments. */
export interface ToolContext {
  readonly runId: string
  readonly toolCallId: string
  /** The same for this call however often the run is resumed: pass it downstream to deduplicate. */
  readonly idempotencyKey: string
  /** Aborted when the run is cancelled. */
  readonly signal: AbortSignal
  /** Who started the run. */
  readonly principal: Principal
  /**
   * The answers to the requirements this call paused on (`pause`, or any requirement of its
   * last pause), oldest first; empty when nothing was asked since the call was made.
   */
  readonly answers: ReadonlyArray<CallAnswer>
}

/** A decided requirement, as a resumed call reads it. */
export interface CallAnswer {
  readonly kind: string
  readonly request: unknown
  /** The resolution's value, in the kind's resolution shape. */
  readonly value: unknown
}

/**
 * What a running call returns to pause its run on requirements mid-way (a server asking the
 * person something before it can go on, say). The run pauses as for any requirement; once they
 * are decided, the call runs again with the same arguments and idempotency key, and reads the
 * answers in `ctx.answers`. The kinds must be registered on the agent (a toolkit's `plugins`).
 */
export class CallPause {
  constructor(readonly needs: ReadonlyArray<Need>) {}
}

/** Pauses the run from inside a call (see `CallPause`). */
export const pause = (needs: ReadonlyArray<Need>): CallPause => new CallPause(needs)

export type JsonSchemaObject = {
  readonly type: 'object'
  readonly properties: Readonly<Record<string, JsonSchemaProperty>>
  readonly required: ReadonlyArray<string>
  readonly [key: string]: unknown
}
type JsonSchemaProperty = {
  readonly type?: unknown
  readonly enum?: ReadonlyArray<unknown>
  readonly description?: string
}

/** The human-in-the-loop flags of a tool, as declared. */
export interface HitlFlags {
  readonly requiresConfirmation?: boolean
  readonly requiresUserInput?: boolean
  /** Arguments hidden from the model and asked of the person; implies `requiresUserInput`. */
  readonly userInputFields?: ReadonlyArray<string>
  readonly externalExecution?: boolean
  /** Sign-off by an approver (`required`), or a record of every call (`audit`): see `approval(...)`. */
  readonly approval?: ApprovalOptions
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ArgsSchema<A> = Schema.Schema<A, any>

export interface ToolSpec<A> extends HitlFlags {
  readonly name: string
  readonly description: string
  readonly parameters: ArgsSchema<A>
  /** Optional for tools that are only ever executed outside the agent. May return a Promise or an Effect. */
  readonly execute?: (args: A, ctx: ToolContext) => unknown
  /** Requirements of kinds beyond the flags (your own plugins), decided per call. */
  readonly requires?: (args: Readonly<Record<string, unknown>>) => ReadonlyArray<Need>
}

export interface Tool {
  readonly name: string
  readonly description: string
  /** The JSON Schema the model sees: user-input fields are left out. */
  readonly modelParameters: JsonSchemaObject
  readonly flags: HitlFlags
  /** The requirements this tool places on a call, before any policy adds its own. */
  readonly needs: (call: ToolCall) => ReadonlyArray<Need>
  /** Why these arguments are not the tool's (they do not decode, or name what it has not), if they are not. */
  readonly checkArgs: (args: unknown) => string | undefined
  /** Decodes the final arguments and runs the tool; interrupting it aborts `ctx.signal`. */
  readonly run: (args: unknown, ctx: Omit<ToolContext, 'signal'>) => Effect.Effect<unknown, ToolFailure>
  /** The declaration, kept so toolkits can re-derive the tool with more flags. */
  readonly spec: ToolSpec<unknown>
}

/** A tool call that ran and failed, or whose arguments did not decode. Reported to the model, not thrown. */
export class ToolFailure extends Schema.TaggedError<ToolFailure>()('ToolFailure', {
  toolName: Schema.String,
  reason: Schema.String,
}) {}

const fieldType = (property: JsonSchemaProperty): FieldType => {
  const type = property.type
  if (
    type === 'string' ||
    type === 'number' ||
    type === 'integer' ||
    type === 'boolean' ||
    type === 'array' ||
    type === 'object'
  )
    return type
  const sample = property.enum?.[0]
  if (typeof sample === 'number') return 'number'
  if (typeof sample === 'boolean') return 'boolean'
  return 'string'
}

const objectSchema = (name: string, parameters: ArgsSchema<unknown>): JsonSchemaObject => {
  const ast = SchemaAST.encodedAST(parameters.ast)
  // An empty struct comes out as "any object or array"; a tool without parameters takes an empty object.
  if (SchemaAST.isTypeLiteral(ast) && ast.propertySignatures.length === 0 && ast.indexSignatures.length === 0)
    return { type: 'object', properties: {}, required: [], additionalProperties: false }
  const json = JSONSchema.make(parameters) as unknown as Record<string, unknown>
  if (json.type !== 'object' || typeof json.properties !== 'object' || json.properties === null)
    throw new DefinitionError({ subject: `tool "${name}"`, reason: 'its parameters must be a Schema.Struct' })
  const { $schema: _dialect, ...rest } = json
  return {
    ...rest,
    type: 'object',
    required: (json.required as ReadonlyArray<string> | undefined) ?? [],
  } as JsonSchemaObject
}

const countFlags = (flags: HitlFlags) =>
  [flags.requiresConfirmation === true, userInputWanted(flags), flags.externalExecution === true].filter(
    Boolean,
  ).length

const userInputWanted = (flags: HitlFlags) =>
  flags.requiresUserInput === true || flags.userInputFields !== undefined

const omit = (args: Readonly<Record<string, unknown>>, names: ReadonlyArray<string>) =>
  Object.fromEntries(Object.entries(args).filter(([name]) => !names.includes(name)))

/**
 * The user-input form of a call: the parameters the person is asked for (those hidden from the
 * model, or every one when none is), prefilled with what the model gave. An answer sets these
 * and nothing else; the call's other arguments are shown with it, not offered for editing.
 */
const formFields = (
  schema: JsonSchemaObject,
  asked: ReadonlyArray<string>,
  args: Readonly<Record<string, unknown>>,
): Array<UserInputField> =>
  Object.entries(schema.properties).flatMap(([name, property]) =>
    asked.length > 0 && !asked.includes(name)
      ? []
      : [
          {
            name,
            type: fieldType(property),
            required: schema.required.includes(name),
            ...(property.description === undefined ? {} : { description: property.description }),
            ...(args[name] === undefined ? {} : { value: args[name] }),
          },
        ],
  )

/**
 * Declares a tool. The HITL flags are checked here: at most one of confirmation, user input and
 * external execution, and `userInputFields` must name parameters.
 */
export const make = <A>(spec: ToolSpec<A>): Tool => {
  const subject = `tool "${spec.name}"`
  if (!/^[a-zA-Z0-9_-]{1,64}$/.test(spec.name))
    throw new DefinitionError({ subject, reason: 'a name is 1-64 letters, digits, "_" or "-"' })
  if (countFlags(spec) > 1)
    throw new DefinitionError({
      subject,
      reason: 'only one of requiresConfirmation, requiresUserInput and externalExecution may be set',
    })
  const full = objectSchema(spec.name, spec.parameters as ArgsSchema<unknown>)
  const hidden = spec.userInputFields ?? []
  for (const field of hidden)
    if (!(field in full.properties))
      throw new DefinitionError({
        subject,
        reason: `userInputFields names "${field}", which is not a parameter`,
      })
  if (spec.approval !== undefined) checkApproval(spec.approval)
  if (spec.execute === undefined && spec.externalExecution !== true && spec.requires === undefined)
    throw new DefinitionError({
      subject,
      reason: 'needs execute, unless it is executed externally or answered through `requires`',
    })

  const modelParameters: JsonSchemaObject = {
    ...full,
    properties: Object.fromEntries(
      Object.entries(full.properties).filter(([name]) => !hidden.includes(name)),
    ),
    required: full.required.filter((name) => !hidden.includes(name)),
  }
  const decode = Schema.decodeUnknownEither(spec.parameters as ArgsSchema<unknown>, { errors: 'all' })
  // A person's arguments name only parameters the tool has: nothing is dropped unseen.
  const decodeExactly = Schema.decodeUnknownEither(spec.parameters as ArgsSchema<unknown>, {
    errors: 'all',
    onExcessProperty: 'error',
  })

  return {
    name: spec.name,
    description: spec.description,
    modelParameters,
    flags: {
      ...(spec.requiresConfirmation === undefined ? {} : { requiresConfirmation: spec.requiresConfirmation }),
      ...(userInputWanted(spec) ? { requiresUserInput: true, userInputFields: hidden } : {}),
      ...(spec.externalExecution === undefined ? {} : { externalExecution: spec.externalExecution }),
      ...(spec.approval === undefined ? {} : { approval: checkApproval(spec.approval) }),
    },
    needs: (call) => [
      ...(spec.requiresConfirmation === true ? [Confirmation.need({})] : []),
      // A hidden argument the model slipped in anyway is not a prefill: the person gives it.
      ...(userInputWanted(spec)
        ? [UserInput.need({ fields: formFields(full, hidden, omit(call.args, hidden)) })]
        : []),
      ...(spec.externalExecution === true ? [ExternalExecution.need({})] : []),
      ...(spec.approval?.type === 'required'
        ? [
            RequiredApproval.need(
              {
                ...(spec.approval.message === undefined ? {} : { message: spec.approval.message }),
                ...(spec.approval.remind === undefined && spec.approval.escalate === undefined
                  ? {}
                  : { followUps: planOf(`tool "${spec.name}"`, spec.approval) }),
              },
              spec.approval.expiresIn === undefined
                ? undefined
                : { after: spec.approval.expiresIn, onExpire: spec.approval.onExpire ?? 'reject' },
            ),
          ]
        : []),
      ...(spec.requires?.(call.args) ?? []),
    ],
    checkArgs: (args) =>
      Either.match(decodeExactly(args), {
        onLeft: (error) => ParseResult.TreeFormatter.formatErrorSync(error),
        onRight: () => undefined,
      }),
    run: (args, ctx) =>
      Either.match(decode(args), {
        onLeft: (error) =>
          Effect.fail(
            new ToolFailure({
              toolName: spec.name,
              reason: `invalid arguments: ${ParseResult.TreeFormatter.formatErrorSync(error)}`,
            }),
          ),
        onRight: (decoded) =>
          spec.execute === undefined
            ? Effect.fail(new ToolFailure({ toolName: spec.name, reason: 'this tool has no execute' }))
            : invoke(
                (signal) => spec.execute!(decoded as A, { ...ctx, signal }),
                (reason) => new ToolFailure({ toolName: spec.name, reason }),
              ),
      }),
    spec: spec as ToolSpec<unknown>,
  }
}

/** The same tool with more flags (a toolkit's lists), checked again. */
export const withFlags = (tool: Tool, flags: HitlFlags): Tool =>
  make({
    ...tool.spec,
    // The tool's own approval is the more specific one.
    ...(tool.spec.approval === undefined && flags.approval !== undefined ? { approval: flags.approval } : {}),
    requiresConfirmation: tool.spec.requiresConfirmation === true || flags.requiresConfirmation === true,
    externalExecution: tool.spec.externalExecution === true || flags.externalExecution === true,
    ...(userInputWanted(tool.spec) || userInputWanted(flags)
      ? {
          requiresUserInput: true,
          userInputFields: [...(tool.spec.userInputFields ?? []), ...(flags.userInputFields ?? [])],
        }
      : {}),
  })
