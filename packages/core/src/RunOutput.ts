import type { Message, ToolOutcome } from './Message.js'
import { Requirement, type RequirementRecord } from './Requirement.js'
import type { RunKind, RunRecord, RunStatus } from './Run.js'
import type { Usage } from './Usage.js'
import { ownerOf, type Runnable } from './Runnable.js'

/** One tool call of the run and what became of it; `pending` while it waits for a person. */
export interface ToolExecution {
  readonly toolCallId: string
  readonly toolName: string
  /** The arguments it ran with: the model's, plus what a person filled in. */
  readonly args: Readonly<Record<string, unknown>>
  /** `started`: it began and stored no result (its writer is at work, or died: see `recoverRun`). */
  readonly status: ToolOutcome | 'pending' | 'started'
  /** What the model was told. */
  readonly content: string | undefined
  readonly result: unknown
}

/** Where a run stands: what `run` and `continueRun` resolve to, read from the store. */
export class RunOutput {
  readonly runId: string
  /** The id of the agent, team or workflow. */
  readonly agentId: string
  readonly kind: RunKind
  readonly sessionId: string | undefined
  readonly userId: string | undefined
  readonly status: RunStatus
  /**
   * True when the run is being worked on (`running`) and its writer's lease has lapsed: the
   * writer died, and `recoverRun` or `cancelRun` may take the run over.
   */
  readonly interrupted: boolean
  readonly content: string
  readonly error: string | undefined
  /** What the run's model turns cost so far, summed; undefined when no model said. */
  readonly usage: Usage | undefined
  readonly messages: ReadonlyArray<Message>
  readonly toolExecutions: ReadonlyArray<ToolExecution>
  /** Every requirement of the run, across all its pauses, oldest first. */
  readonly requirements: ReadonlyArray<Requirement>

  constructor(
    definition: Runnable,
    run: RunRecord,
    messages: ReadonlyArray<Message>,
    requirements: ReadonlyArray<RequirementRecord>,
    /** Calls that started and have no result yet. */
    started: ReadonlySet<string> = new Set(),
    interrupted = false,
  ) {
    this.runId = run.runId
    this.agentId = run.agentId
    this.kind = definition.kind
    this.sessionId = run.sessionId
    this.userId = run.userId
    this.status = run.status
    this.interrupted = interrupted
    this.content = run.content
    this.error = run.error
    this.usage = run.usage
    this.messages = messages
    this.toolExecutions = toolExecutions(messages, started)
    this.requirements = requirements.map(
      (record) => new Requirement(record, ownerOf(definition, record)?.plugins.get(record.kind)),
    )
  }

  get isPaused(): boolean {
    return this.status === 'paused'
  }

  /** The requirements still waiting for a decision. */
  get activeRequirements(): ReadonlyArray<Requirement> {
    return this.isPaused ? this.requirements.filter((requirement) => !requirement.isResolved) : []
  }
}

const toolExecutions = (
  messages: ReadonlyArray<Message>,
  started: ReadonlySet<string>,
): Array<ToolExecution> => {
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
            status: result?.outcome ?? (started.has(call.id) ? 'started' : 'pending'),
            content: result?.content,
            result: result?.result,
          }
        }),
  )
}
