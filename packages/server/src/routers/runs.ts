import { Schema } from 'effect'
import { tracked } from '@trpc/server'
import { DefinitionNotFound, mapErrors, RoleRequired, toTRPCError } from '../errors.js'
import { isAdmin } from '../auth.js'
import {
  ContinueRunInput,
  ListRunsInput,
  RecoverRunInput,
  ResolveInput,
  RunEventsInput,
  RunIdInput,
  StartRunInput,
} from '../inputs.js'
import { awaitingFor } from '../internal/awaiting.js'
import { runToPromise } from '../internal/effects.js'
import { untilAborted } from '../internal/abortable.js'
import { readableRun, visibleRun } from '../internal/runs.js'
import { authedProcedure, router, runProcedure } from '../trpc.js'
import { eventView, requirementsView, runPageView, runView } from '../views.js'

export const runsRouter = router({
  /**
   * Starts a run for the caller. Answers when it completes, fails or pauses; with `stream`, as
   * soon as it has started (the run goes on in the server: follow it with `runs.events`).
   */
  start: runProcedure.input(Schema.standardSchemaV1(StartRunInput)).mutation(({ ctx, input }) =>
    mapErrors(async () => {
      const { countersign, principal } = ctx
      if (!countersign.served.has(input.agentId))
        throw new DefinitionNotFound({ definitionId: input.agentId })
      const options = {
        principal,
        userId: principal.id,
        ...(input.sessionId === undefined ? {} : { sessionId: input.sessionId }),
      }
      if (input.stream !== true) return runView(await countersign.run(input.agentId, input.input, options))
      // The run works in the engine's own fiber: reading its first event (stored with the run)
      // gives its id, and leaving the stream then does not stop it.
      const events = countersign.runStream(input.agentId, input.input, options)[Symbol.asyncIterator]()
      const first = await events.next()
      await events.return?.()
      if (first.done === true) throw new Error('a run stream ended without an event')
      return runView(await countersign.getRun(first.value.runId))
    }),
  ),

  /**
   * The caller's runs (an admin's: everyone's), newest first and paged, with the total (counted
   * to a bound past the page: `totalExact` false when it stopped there, at least `total` match): root
   * runs only (a team member's run is part of its team's). A run is the caller's when it was
   * started for them (its `userId`, which `runs.start` sets). `search` looks within those only.
   */
  list: authedProcedure.input(Schema.standardSchemaV1(ListRunsInput)).query(({ ctx, input }) =>
    mapErrors(async () => {
      const { definitionId, status, interrupted, search, offset, limit } = input ?? {}
      const page = await runToPromise(
        ctx.countersign.store.listRuns({
          ...(isAdmin(ctx.principal) ? {} : { userId: ctx.principal.id }),
          ...(status === undefined ? {} : { status }),
          ...(definitionId === undefined ? {} : { agentId: definitionId }),
          ...(search === undefined ? {} : { search }),
          ...(interrupted === true ? { interruptedAt: Date.now() } : {}),
          offset: offset ?? 0,
          limit: limit ?? 20,
        }),
      )
      return runPageView(page, interrupted === true)
    }),
  ),

  /**
   * Pending requirements the caller may decide, newest first: the open requirements of their own
   * paused runs other than approvals; for approvers and admins, also the approval queue's pending
   * approvals.
   */
  awaitingMe: authedProcedure.query(({ ctx }) =>
    mapErrors(() => awaitingFor(ctx.countersign, ctx.principal)),
  ),

  /** A run its owner (or an admin) may see, or an approver who decides one of its approvals. */
  get: authedProcedure.input(Schema.standardSchemaV1(RunIdInput)).query(({ ctx, input }) =>
    mapErrors(async () => {
      await readableRun(ctx.countersign, ctx.principal, input.runId)
      return runView(await ctx.countersign.getRun(input.runId))
    }),
  ),

  /** Records the decisions given (merged into the stored requirements by id), then continues the run. */
  continue: runProcedure.input(Schema.standardSchemaV1(ContinueRunInput)).mutation(({ ctx, input }) =>
    mapErrors(async () => {
      await visibleRun(ctx.countersign, ctx.principal, input.runId)
      return runView(
        await ctx.countersign.continueRun(
          {
            runId: input.runId,
            ...(input.resolutions === undefined ? {} : { resolutions: input.resolutions }),
          },
          { principal: ctx.principal },
        ),
      )
    }),
  ),

  /** Records decisions without continuing: the run stays paused; answers the requirements as stored. */
  resolve: authedProcedure.input(Schema.standardSchemaV1(ResolveInput)).mutation(({ ctx, input }) =>
    mapErrors(async () => {
      await visibleRun(ctx.countersign, ctx.principal, input.runId)
      return requirementsView(
        await ctx.countersign.resolve(input.runId, input.resolutions, { principal: ctx.principal }),
      )
    }),
  ),

  /**
   * Takes over an interrupted run (its writer died: its lease lapsed) and goes on: calls that
   * started without a result run again (`retry`) or are put to a person (`ask`). The run's owner
   * may ask; only an admin may retry, which runs a call that may have taken effect without anyone
   * deciding that it should run again. Answers when the run pauses or ends.
   */
  recover: authedProcedure.input(Schema.standardSchemaV1(RecoverRunInput)).mutation(({ ctx, input }) =>
    mapErrors(async () => {
      await visibleRun(ctx.countersign, ctx.principal, input.runId)
      if (input.interruptedCalls === 'retry' && !isAdmin(ctx.principal))
        throw new RoleRequired({ principalId: ctx.principal.id, roles: ['admin'] })
      return runView(
        await ctx.countersign.recoverRun(input.runId, { interruptedCalls: input.interruptedCalls }),
      )
    }),
  ),

  cancel: authedProcedure.input(Schema.standardSchemaV1(RunIdInput)).mutation(({ ctx, input }) =>
    mapErrors(async () => {
      await visibleRun(ctx.countersign, ctx.principal, input.runId)
      return runView(await ctx.countersign.cancelRun(input.runId, { principal: ctx.principal }))
    }),
  ),

  /**
   * The run's events after the client's last one, stored then live, each tracked by its sequence
   * number: a client that reconnects resumes after the last one it saw, missing and repeating
   * none. Spans pauses; ends after the run's final event.
   */
  events: authedProcedure.input(Schema.standardSchemaV1(RunEventsInput)).subscription(async function* ({
    ctx,
    input,
    signal,
  }) {
    try {
      await readableRun(ctx.countersign, ctx.principal, input.runId)
    } catch (error) {
      throw toTRPCError(error)
    }
    const afterSeq = input.lastEventId ?? input.afterSeq ?? 0
    const events = ctx.countersign.followRun(input.runId, afterSeq, { until: 'end' })
    try {
      for await (const event of untilAborted(events, signal, ctx.revoked)) {
        yield tracked(String(event.seq), eventView(event))
      }
    } catch (error) {
      throw toTRPCError(error)
    }
  }),
})
