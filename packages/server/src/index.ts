/**
 * @countersign/server — a Countersign deployment over the network: a tRPC router served over
 * HTTP and WebSocket on one port, with authentication and health probes.
 */
export { createServer } from './createServer.js'
export type { CountersignServer, ServerOptions } from './createServer.js'
export type {
  DeploymentContext,
  Mount,
  MountContext,
  MountDecision,
  SelfAuthenticatingMount,
  SignedInMount,
} from './mounts.js'
export { appRouter } from './router.js'
export type { AppRouter } from './router.js'
export { staticTokens } from './auth.js'
export type { Authenticate, PrincipalInput } from './auth.js'
export type { Context } from './context.js'
export {
  DefinitionNotFound,
  PayloadTooLarge,
  RoleRequired,
  RouteNotFound,
  Unauthenticated,
} from './errors.js'
export type { ErrorData } from './errors.js'
export type {
  ApprovalChangeView,
  ApprovalView,
  AwaitingView,
  GrantView,
  RequirementView,
  RunEventView,
  RunSummaryView,
  RunView,
} from './views.js'
