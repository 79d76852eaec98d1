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
  Resolutions,
  RunListQuery,
} from './createClient.js'
export { errorOf, TRPCClientError } from './errors.js'
export type { RunEventHandlers, Subscription } from './runEvents.js'
export type {
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
