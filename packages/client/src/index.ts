/**
 * @countersign/client — the typed client of a Countersign server. Types come from the server's
 * router (`AppRouter`), with no code generation.
 */
export { createClient } from './createClient.js'
export type {
  ApprovalAnswer,
  ApprovalFilter,
  ApprovalQuery,
  ClientOptions,
  CountersignClient,
  GrantFilter,
  GrantRequest,
  ResolutionInputs,
  RunListQuery,
} from './createClient.js'
export { errorOf, TRPCClientError } from './errors.js'
export type { ApprovalChangeHandlers, ApprovalChangesOptions } from './approvalChanges.js'
export type { RunEventHandlers } from './runEvents.js'
export type { Subscription } from './subscriptions.js'
export type {
  ApprovalChangeView,
  ApprovalPage,
  ApprovalView,
  AwaitingView,
  DefinitionView,
  GrantView,
  RequirementView,
  RunEvent,
  RunPage,
  RunSummaryView,
  RunView,
} from './types.js'
export type { AppRouter, ErrorData } from '@countersign/server'
