import { Either, Option, Schema } from 'effect'
import type { AgentDefinition as Agent } from './Agent.js'
import { InvalidResolution, RequirementAlreadyResolved, ResolutionMethodMismatch } from './Errors.js'
import type { Message, ToolCall, ToolOutcome } from './Message.js'
import type { Principal } from './Principal.js'
import type { RequirementRecord, ResolutionInput } from './Requirement.js'
import type { Answer, AnyRequirementPlugin } from './RequirementPlugin.js'
import type { RunRecord, RunStatus } from './Run.js'
import { UserInputField } from './UserInputField.js'
import { validateResolution } from './internal/resolutions.js'

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
  /** The form to fill in, for kinds answered with user input: every field, prefilled where the model gave a value. */
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

/** One tool call of the run and what became of it; `pending` while it waits for a person. */
export interface ToolExecution {
  readonly toolCallId: string
  readonly toolName: string
  /** The arguments it ran with: the model's, plus what a person filled in. */
  readonly args: Readonly<Record<string, unknown>>
  readonly status: ToolOutcome | 'pending'
  /** What the model was told. */
  readonly content: string | undefined
  readonly result: unknown
}

/** Where a run stands: what `run` and `continueRun` resolve to, read from the store. */
export class RunOutput {
  readonly runId: string
  readonly agentId: string
  readonly sessionId: string | undefined
  readonly userId: string | undefined
  readonly status: RunStatus
  readonly content: string
  readonly error: string | undefined
  readonly messages: ReadonlyArray<Message>
  readonly toolExecutions: ReadonlyArray<ToolExecution>
  /** Every requirement of the run, across all its pauses, oldest first. */
  readonly requirements: ReadonlyArray<Requirement>

  constructor(
    agent: Agent,
    run: RunRecord,
    messages: ReadonlyArray<Message>,
    requirements: ReadonlyArray<RequirementRecord>,
  ) {
    this.runId = run.runId
    this.agentId = run.agentId
    this.sessionId = run.sessionId
    this.userId = run.userId
    this.status = run.status
    this.content = run.content
    this.error = run.error
    this.messages = messages
    this.toolExecutions = toolExecutions(messages)
    this.requirements = requirements.map((record) => new Requirement(record, agent.plugins.get(record.kind)))
  }

  get isPaused(): boolean {
    return this.status === 'paused'
  }

  /** The requirements still waiting for a decision. */
  get activeRequirements(): ReadonlyArray<Requirement> {
    return this.isPaused ? this.requirements.filter((requirement) => !requirement.isResolved) : []
  }
}

const toolExecutions = (messages: ReadonlyArray<Message>): Array<ToolExecution> => {
  const results = new Map(
    messages.flatMap((message) => (message._tag === 'Tool' ? [[message.toolCallId, message] as const] : [])),
  )
  return messages.flatMap((message) =>
    message._tag !== 'Assistant'
      ? []
      : message.toolCalls.map((call): ToolExecution => {
          const result = results.get(call.id)
          return {
            toolCallId: call.id,
            toolName: call.name,
            args: result?.args ?? call.args,
            status: result?.outcome ?? 'pending',
            content: result?.content,
            result: result?.result,
          }
        }),
  )
}
