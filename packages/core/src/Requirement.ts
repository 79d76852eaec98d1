import { Either, Option, Schema } from 'effect'
import { InvalidResolution, RequirementAlreadyResolved, ResolutionMethodMismatch } from './Errors.js'
import { Json } from './Json.js'
import { Member } from './Member.js'
import { ToolCall } from './Message.js'
import { Principal } from './Principal.js'
import type { Answer, AnyRequirementPlugin } from './RequirementPlugin.js'
import { UserInputField } from './UserInputField.js'
import { validateResolution } from './internal/requirementAnswers.js'
import { checkedOnce } from './internal/checkedOnce.js'

/**
 * A recorded decision: what was decided, by whom, when. Written once, never edited. A
 * requirement that lapsed without a decision (its deadline passed, or its run was cancelled) is
 * closed by a resolution too, so that it also has exactly one ending: `lapsed` says which, and
 * `value` is null.
 */
export class Resolution extends Schema.Class<Resolution>('Resolution')({
  value: Json,
  resolvedBy: Principal,
  resolvedAt: Schema.Number,
  lapsed: Schema.optional(Schema.Literal('expired', 'cancelled')),
}) {
  constructor(props: Schema.Struct.Constructor<typeof Resolution.fields>, options?: boolean) {
    super(checkResolution(props, options), true)
  }
}

const checkResolution = checkedOnce('Resolution', Resolution.fields)

/** What happens when a requirement's deadline passes undecided: the call is skipped, or the run cancelled. */
export const OnExpire = Schema.Literal('reject', 'cancel')
export type OnExpire = typeof OnExpire.Type

/**
 * What a requirement says happens when it lapses: an OnExpire, or, for a workflow step's
 * requirement only, `approve` (the step goes ahead as if a person had said yes).
 */
export const ExpiryAction = Schema.Literal(...OnExpire.literals, 'approve')
export type ExpiryAction = typeof ExpiryAction.Type

/**
 * One pending decision blocking one tool call or one workflow step (whose `toolCall` names the
 * step: its occurrence's key as id, its name as name). `request` and the resolution's `value` are in the
 * shape of the kind's plugin (see RequirementPlugin), kept as JSON here so that a store reads
 * every kind, including kinds it has never heard of.
 */
export class RequirementRecord extends Schema.Class<RequirementRecord>('RequirementRecord')({
  id: Schema.NonEmptyString,
  runId: Schema.NonEmptyString,
  /** The epoch of the run when it paused for this requirement. */
  epoch: Schema.Int,
  kind: Schema.NonEmptyString,
  toolCall: ToolCall,
  request: Json,
  status: Schema.Literal('pending', 'resolved'),
  resolution: Schema.optional(Resolution),
  createdAt: Schema.Number,
  /** When it lapses if still undecided (the sweeper closes it), and what then happens. */
  expiresAt: Schema.optional(Schema.Number),
  onExpire: Schema.optional(ExpiryAction),
  /** Whose call it blocks, if not the paused run's own (a team's member or a workflow step's agent, at any depth). */
  member: Schema.optional(Member),
}) {
  constructor(props: Schema.Struct.Constructor<typeof RequirementRecord.fields>, options?: boolean) {
    super(checkRequirementRecord(props, options), true)
  }
}

const checkRequirementRecord = checkedOnce('RequirementRecord', RequirementRecord.fields)

/** The run whose call a requirement blocks: a member's run, or the paused run itself. */
export const ownerRunId = (requirement: RequirementRecord): string =>
  requirement.member?.runId ?? requirement.runId

/** A resolution as a caller submits it: which requirement, and the kind-specific value. */
export const ResolutionInput = Schema.Struct({
  requirementId: Schema.NonEmptyString,
  value: Json,
})
export type ResolutionInput = typeof ResolutionInput.Type

/** The form of kinds answered with user input. */
const decodeForm = Schema.decodeUnknownOption(Schema.Struct({ fields: Schema.Array(UserInputField) }))

/**
 * A requirement as its run's output shows it. Its methods record a decision on this object
 * only; `continueRun(output)` submits the decisions, which the store then records once each.
 * A method that does not fit the kind, an answer of the wrong shape, or a second decision
 * throws a typed error and records nothing.
 */
export class Requirement {
  readonly id: string
  readonly runId: string
  readonly kind: string
  readonly toolCall: ToolCall
  /** What the person is shown, in the kind's request shape. */
  readonly request: unknown
  readonly createdAt: number
  /** When it lapses if nobody decides, and what then happens to the call. */
  readonly expiresAt: number | undefined
  readonly onExpire: ExpiryAction | undefined
  /** The team member (or workflow step's agent) whose call it blocks; undefined for the run's own calls. */
  readonly member: Member | undefined
  /** The form to fill in, for kinds answered with user input: the fields asked for, prefilled where the model gave a value. */
  readonly userInputSchema: ReadonlyArray<UserInputField> | undefined
  private decision: unknown = undefined

  constructor(
    private readonly record: RequirementRecord,
    private readonly plugin: AnyRequirementPlugin | undefined,
  ) {
    this.id = record.id
    this.runId = record.runId
    this.kind = record.kind
    this.toolCall = record.toolCall
    this.request = record.request
    this.createdAt = record.createdAt
    this.expiresAt = record.expiresAt
    this.onExpire = record.onExpire
    this.member = record.member
    this.userInputSchema =
      plugin?.answers === 'user_input' ? Option.getOrUndefined(decodeForm(record.request))?.fields : undefined
  }

  /** Decided, here or in the store. */
  get isResolved(): boolean {
    return this.record.resolution !== undefined || this.decision !== undefined
  }

  /** The answer: the stored one, else the one made on this object. */
  get resolution(): unknown {
    return this.record.resolution?.value ?? this.decision
  }

  get resolvedBy(): Principal | undefined {
    return this.record.resolution?.resolvedBy
  }

  get resolvedAt(): number | undefined {
    return this.record.resolution?.resolvedAt
  }

  get needsConfirmation(): boolean {
    return this.awaits('decision')
  }

  get needsUserInput(): boolean {
    return this.awaits('user_input')
  }

  get needsExternalExecution(): boolean {
    return this.awaits('external_result')
  }

  confirm(): void {
    this.answer('confirm', 'decision', { approved: true })
  }

  /** Declines the call; the model gets the note (or a plain sentence) as the call's error result. */
  reject(note?: string): void {
    this.answer('reject', 'decision', note === undefined ? { approved: false } : { approved: false, note })
  }

  /** Fills in the form; values are checked against the fields' types, and every required field must end up filled. */
  provideUserInput(values: Readonly<Record<string, unknown>>): void {
    this.answer('provideUserInput', 'user_input', { values })
  }

  /** Hands back the result of a call carried out outside the agent; the model receives it verbatim. */
  setExternalExecutionResult(result: unknown): void {
    this.answer('setExternalExecutionResult', 'external_result', { result })
  }

  /** The call carried out outside the agent failed: the model is told `error` as its failure. */
  setExternalExecutionError(error: string): void {
    this.answer('setExternalExecutionError', 'external_result', { error })
  }

  /** Answers a kind of any shape (your own plugins) with its resolution value. */
  resolve(value: unknown): void {
    this.answer('resolve', undefined, value)
  }

  /** The decision made on this object and not yet stored, as `continueRun` submits it. */
  get pendingResolution(): ResolutionInput | undefined {
    return this.decision === undefined ? undefined : { requirementId: this.id, value: this.decision }
  }

  private awaits(answers: Answer) {
    return this.plugin?.answers === answers && !this.isResolved
  }

  private answer(method: string, answers: Answer | undefined, value: unknown) {
    if (this.isResolved) throw new RequirementAlreadyResolved({ requirementId: this.id })
    if (this.plugin === undefined)
      throw new InvalidResolution({
        requirementId: this.id,
        kind: this.kind,
        reason: 'no plugin for this kind is registered on the agent',
      })
    if (answers !== undefined && this.plugin.answers !== answers)
      throw new ResolutionMethodMismatch({ requirementId: this.id, kind: this.kind, method })
    this.decision = Either.getOrThrowWith(
      validateResolution(this.plugin, this.record, value),
      (error) => error,
    )
  }
}
