import type { TRPCClient } from '@trpc/client'
import type { inferRouterOutputs } from '@trpc/server'
import type { AppRouter } from '@countersign/server'

/*
 * What the client receives, as it arrives: the router's outputs after JSON serialisation,
 * inferred from the server's types.
 */

type Outputs = inferRouterOutputs<AppRouter>

export type RunView = Outputs['runs']['get']
export type RequirementView = RunView['requirements'][number]
export type ApprovalView = Outputs['approvals']['get']
export type ApprovalPage = Outputs['approvals']['list']
export type RunSummaryView = Outputs['runs']['list']['runs'][number]
export type RunPage = Outputs['runs']['list']
export type AwaitingView = Outputs['runs']['awaitingMe'][number]
export type DefinitionView = Outputs['definitions']['list'][number]
export type GrantView = Outputs['grants']['list'][number]

type EventsHandlers = NonNullable<Parameters<TRPCClient<AppRouter>['runs']['events']['subscribe']>[1]>
/** One event of a run, with its per-run sequence number `seq`. */
export type RunEvent = Parameters<NonNullable<EventsHandlers['onData']>>[0]['data']

type ChangesHandlers = NonNullable<Parameters<TRPCClient<AppRouter>['approvals']['changes']['subscribe']>[1]>
/** A change to the approval queue, numbered across it (`seq`), with the approval as it stood when sent. */
export type ApprovalChangeView = Parameters<NonNullable<ChangesHandlers['onData']>>[0]['data']
