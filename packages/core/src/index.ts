/**
 * @countersign/core — agents whose consequential tool calls wait for a person.
 *
 * Promise users start with `Agent` (or `Team`, `Workflow`); Effect users run their definitions on `RunEngine`.
 */
export { define as defineAgent } from './Agent.js'
export type { AgentDefinition, AgentSpec } from './Agent.js'
export { define as defineTeam } from './Team.js'
export type { TeamDefinition, TeamSpec } from './Team.js'
export { define as defineWorkflow } from './Workflow.js'
export { Agent, Team, Workflow } from './Runners.js'
export type { AgentOptions, ContinueInput, TeamOptions, WorkflowOptions } from './Runners.js'
export type {
  Component as WorkflowComponent,
  Condition as WorkflowCondition,
  ConditionSpec,
  Decider,
  Executor,
  FieldSpec,
  Gated,
  Loop as WorkflowLoop,
  LoopSpec,
  OnReject,
  OnTimeout,
  OutputPredicate,
  Parallel as WorkflowParallel,
  ParallelSpec,
  Rejection,
  HumanReview,
  Router as WorkflowRouter,
  RouterSpec,
  Step as WorkflowStep,
  StepContext,
  StepFunction,
  StepInput,
  Steps as WorkflowSteps,
  StepSpec,
  StepsSpec,
  WorkflowDefinition,
  WorkflowSpec,
} from './Workflow.js'
export type { Actor, Runnable } from './Runnable.js'
export * as Tool from './Tool.js'
export type { ToolContext } from './Tool.js'
export * as Toolkit from './Toolkit.js'
export { dynamicUserInput } from './DynamicUserInputToolkit.js'

export * as RequirementPlugin from './RequirementPlugin.js'
export * as Policy from './Policy.js'
export { Confirmation } from './plugins/Confirmation.js'
export { DynamicUserInput, UserInput } from './plugins/UserInput.js'
export { ExternalExecution } from './plugins/ExternalExecution.js'
export { InterruptedCall } from './plugins/InterruptedCall.js'
export { ModelFailure } from './plugins/ModelFailure.js'
export { StepConfirmation } from './plugins/StepConfirmation.js'
export { StepUserInput } from './plugins/StepUserInput.js'
export { RouteSelection, selectRoutes } from './plugins/RouteSelection.js'
export { approveOutput, editOutput, OutputReview, rejectOutput } from './plugins/OutputReview.js'
export * as Resolutions from './Resolutions.js'
export * as Approval from './Approval.js'
export { ApprovalChange, ApprovalRecord, ApprovalUpdate } from './Approval.js'
export * as Grant from './Grant.js'
export * as Approvals from './Approvals.js'
export * as Sweeper from './Sweeper.js'
export {
  DecisionSummary,
  EscalationSummary,
  Notification,
  NotificationEvent,
  RequirementSummary,
  RunSummary,
} from './Notification.js'
export * as Outbox from './Outbox.js'
export { Delivery, DeliveryOutcome, DeliveryStatus } from './Outbox.js'
export type { DeliveryClaim, DeliveryFilter } from './Outbox.js'
export * as Notifications from './Notifications.js'
export * as FollowUps from './FollowUp.js'
export { FollowUp } from './FollowUp.js'
export type { FollowUpOptions } from './FollowUp.js'
export type { NotificationsOptions, Route as NotificationRoute, RetryOptions } from './Notifications.js'
export * as Channel from './Channel.js'
export { DeliveryFailed } from './Channel.js'
export type { DeliveryContext, DeliveryReceipt } from './Channel.js'
export { Countersign } from './Countersign.js'
export type { CountersignOptions } from './Countersign.js'
export { approval } from './Approval.js'
export { RequiredApproval } from './plugins/RequiredApproval.js'

export * as Model from './Model.js'
export { Usage } from './Usage.js'
export * as ScriptedModel from './ScriptedModel.js'

export * as RunEngine from './RunEngine.js'
export { RunStore } from './RunStore.js'
export type {
  BatchRefused,
  Decision,
  EventsMark,
  JournalBatch,
  MovedRun,
  RunCursor,
  SweeperLease,
} from './RunStore.js'
export * as StoredText from './StoredText.js'
export * as MemoryStore from './MemoryStore.js'
export * as IdGenerator from './IdGenerator.js'

export { RunOutput } from './RunOutput.js'
export type { ToolExecution } from './RunOutput.js'
export * from './Errors.js'

export { Json, isJsonWithin, maxJsonDepth, nestsDeeperThan } from './Json.js'
export type { JsonValue } from './Json.js'
export { Principal } from './Principal.js'
export { Message, ToolCall, ToolOutcome } from './Message.js'
export {
  ExpiryAction,
  OnExpire,
  Requirement,
  RequirementRecord,
  Resolution,
  ResolutionInput,
} from './Requirement.js'
export { Member } from './Member.js'
export {
  holdsAt,
  isFinal,
  isWorking,
  maxRunPageSize,
  maxRunSearchLength,
  RunDecisions,
  RunFilter,
  RunKind,
  type RunLease,
  RunQuery,
  RunRecord,
  RunStatus,
} from './Run.js'
export type { RunPage } from './Run.js'
export { countedPastPage, countLimit, pageOf, PageTotal, pageTotal } from './PageTotal.js'
export { RunEvent, StepType } from './RunEvent.js'
export type { RunEventTag } from './RunEvent.js'
export { completeAnswers, FieldType, UserInputField } from './UserInputField.js'
