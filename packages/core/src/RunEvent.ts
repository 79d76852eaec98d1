import { Schema } from 'effect'
import { Json } from './Json.js'
import { ToolCall } from './Message.js'
import { Principal } from './Principal.js'
import { Usage } from './Usage.js'
import { RequirementRecord } from './Requirement.js'

const base = {
  runId: Schema.NonEmptyString,
  /** Per-run, gapless, starting at 1. A subscriber resumes after the last one it saw. */
  seq: Schema.Int,
  at: Schema.Number,
}

export const RunStarted = Schema.TaggedStruct('RunStarted', {
  ...base,
  agentId: Schema.String,
  input: Schema.String,
})
export const ModelRequestStarted = Schema.TaggedStruct('ModelRequestStarted', {
  ...base,
  model: Schema.String,
})
export const ModelRequestCompleted = Schema.TaggedStruct('ModelRequestCompleted', {
  ...base,
  model: Schema.String,
  /** What the turn cost, when the model said. */
  usage: Schema.optional(Usage),
})
export const RunContent = Schema.TaggedStruct('RunContent', { ...base, delta: Schema.String })
export const ToolCallStarted = Schema.TaggedStruct('ToolCallStarted', {
  ...base,
  toolCall: ToolCall,
  /** The call is recorded for audit as it ends (its tool's `approval({ type: 'audit' })`). */
  audited: Schema.optional(Schema.Literal(true)),
})
export const ToolCallCompleted = Schema.TaggedStruct('ToolCallCompleted', {
  ...base,
  toolCallId: Schema.String,
  toolName: Schema.String,
  result: Schema.optional(Json),
})
export const ToolCallFailed = Schema.TaggedStruct('ToolCallFailed', {
  ...base,
  toolCallId: Schema.String,
  toolName: Schema.String,
  error: Schema.String,
})
export const RunPaused = Schema.TaggedStruct('RunPaused', {
  ...base,
  requirements: Schema.Array(RequirementRecord),
})
export const RequirementResolved = Schema.TaggedStruct('RequirementResolved', {
  ...base,
  requirementId: Schema.String,
  kind: Schema.String,
  value: Json,
  resolvedBy: Principal,
  /** Nobody decided: the requirement lapsed (see Resolution). */
  lapsed: Schema.optional(Schema.Literal('expired', 'cancelled')),
})
export const RunContinued = Schema.TaggedStruct('RunContinued', { ...base })
/** The run was taken over from a writer that died; these calls had started and stored no result. */
export const RunRecovered = Schema.TaggedStruct('RunRecovered', {
  ...base,
  interruptedToolCallIds: Schema.Array(Schema.String),
})
export const RunCompleted = Schema.TaggedStruct('RunCompleted', { ...base, content: Schema.String })
export const RunFailed = Schema.TaggedStruct('RunFailed', { ...base, error: Schema.String })
export const RunCancelled = Schema.TaggedStruct('RunCancelled', {
  ...base,
  /** Why, when the run itself decided to stop (a workflow step was rejected, say). */
  reason: Schema.optional(Schema.String),
})

/** A member's run (or a workflow step's agent or team), as the team (or workflow) it works for sees it. */
const member = {
  memberRunId: Schema.NonEmptyString,
  memberId: Schema.String,
  memberName: Schema.String,
}
/**
 * A team's leader handed a member a task (or a workflow step its agent or team, `toolCallId`
 * being the step attempt's key): the member's own events are in its run (`memberRunId`).
 */
export const MemberRunStarted = Schema.TaggedStruct('MemberRunStarted', {
  ...base,
  ...member,
  toolCallId: Schema.String,
  task: Schema.String,
})
/** The member's run stopped for a person: its requirements are the team run's to resolve. */
export const MemberRunPaused = Schema.TaggedStruct('MemberRunPaused', {
  ...base,
  ...member,
  requirementIds: Schema.Array(Schema.String),
})
/** The member's run goes on (its pause resumed, or its dead writer's work taken over) for the call that started it. */
export const MemberRunContinued = Schema.TaggedStruct('MemberRunContinued', {
  ...base,
  ...member,
  toolCallId: Schema.String,
})
export const MemberRunCompleted = Schema.TaggedStruct('MemberRunCompleted', {
  ...base,
  ...member,
  content: Schema.String,
})
export const MemberRunFailed = Schema.TaggedStruct('MemberRunFailed', {
  ...base,
  ...member,
  error: Schema.String,
})

/** The kinds of part a workflow is made of (see Workflow). */
export const StepType = Schema.Literal('step', 'steps', 'condition', 'router', 'loop', 'parallel')
export type StepType = typeof StepType.Type

/**
 * A workflow's step as its run's events name it: `stepKey` tells one occurrence from another (the
 * same step in two iterations of a loop, say), and stays the same however often the run is resumed.
 */
const step = {
  stepKey: Schema.NonEmptyString,
  stepName: Schema.String,
  stepType: StepType,
}
/** A step starts an attempt: its first (0), or another after a person rejected the last one. */
export const StepStarted = Schema.TaggedStruct('StepStarted', { ...base, ...step, attempt: Schema.Int })
/** The step's output, as the steps after it get it: approved, or edited, if it was reviewed. */
export const StepCompleted = Schema.TaggedStruct('StepCompleted', { ...base, ...step, output: Json })
export const StepSkipped = Schema.TaggedStruct('StepSkipped', { ...base, ...step, reason: Schema.String })
/** The step waits for people: its own requirements, or those of the agent or team running it (`executor`). */
export const StepPaused = Schema.TaggedStruct('StepPaused', {
  ...base,
  ...step,
  attempt: Schema.Int,
  why: Schema.Literal('confirmation', 'user_input', 'route_selection', 'output_review', 'executor'),
  requirementIds: Schema.Array(Schema.String),
})
/** The step takes up again what it paused for (each StepPaused has one, once the run is continued). */
export const StepContinued = Schema.TaggedStruct('StepContinued', { ...base, ...step })
/** A condition's branch (`if` or `else`) or a router's routes, as chosen by its function or a person. */
export const StepBranched = Schema.TaggedStruct('StepBranched', {
  ...base,
  ...step,
  attempt: Schema.Int,
  branches: Schema.Array(Schema.String),
})
/** One iteration of a loop ended; `done` when its end condition says it was the last. */
export const LoopIterationCompleted = Schema.TaggedStruct('LoopIterationCompleted', {
  ...base,
  ...step,
  iteration: Schema.Int,
  output: Schema.optional(Json),
  done: Schema.Boolean,
})

export const RunEvent = Schema.Union(
  RunStarted,
  ModelRequestStarted,
  ModelRequestCompleted,
  RunContent,
  ToolCallStarted,
  ToolCallCompleted,
  ToolCallFailed,
  RunPaused,
  RequirementResolved,
  RunContinued,
  RunRecovered,
  RunCompleted,
  RunFailed,
  RunCancelled,
  MemberRunStarted,
  MemberRunPaused,
  MemberRunContinued,
  MemberRunCompleted,
  MemberRunFailed,
  StepStarted,
  StepCompleted,
  StepSkipped,
  StepPaused,
  StepContinued,
  StepBranched,
  LoopIterationCompleted,
)
export type RunEvent = typeof RunEvent.Type
export type RunEventTag = RunEvent['_tag']

/** An event before the run's writer stamps it with its sequence number and time. */
export type RunEventBody = RunEvent extends infer E
  ? E extends RunEvent
    ? Omit<E, 'seq' | 'at'>
    : never
  : never

/** Events after which a run never stores another. */
export const isEnding = (event: RunEvent) =>
  event._tag === 'RunCompleted' || event._tag === 'RunFailed' || event._tag === 'RunCancelled'

/** Events after which a run's stream ends: the run stopped, for now or for good. */
export const isStop = (event: RunEvent) => event._tag === 'RunPaused' || isEnding(event)
