import { type Duration, Effect, Layer, ManagedRuntime, Option, Stream } from 'effect'
import type {
  ApprovalFilter,
  ApprovalListing,
  ApprovalQuery,
  ApprovalRecord,
  ApprovalUpdate,
} from './Approval.js'
import * as Approvals from './Approvals.js'
import { DefinitionError, RunNotFound } from './Errors.js'
import { byId, findDefinition, type Runnable } from './Runnable.js'
import type { Grant, GrantFilter } from './Grant.js'
import type { AgentDefinition } from './Agent.js'
import * as IdGenerator from './IdGenerator.js'
import * as MemoryStore from './MemoryStore.js'
import * as Notifications from './Notifications.js'
import type { Delivery, DeliveryFilter } from './Outbox.js'
import type { RequirementRecord, ResolutionInput } from './Requirement.js'
import type { RunEvent } from './RunEvent.js'
import * as RunEngine from './RunEngine.js'
import type { RunOutput } from './RunOutput.js'
import { RunStore } from './RunStore.js'
import * as Sweeper from './Sweeper.js'
import type { TeamDefinition } from './Team.js'
import type { WorkflowDefinition } from './Workflow.js'
import { followerToAsyncIterable, toAsyncIterable, toPromise } from './internal/promises.js'
import { type ContinueInput, continueRequest } from './internal/Runner.js'
import { closeToolkits } from './internal/toolkits.js'

export interface CountersignOptions {
  readonly agents?: ReadonlyArray<AgentDefinition>
  readonly teams?: ReadonlyArray<TeamDefinition>
  readonly workflows?: ReadonlyArray<WorkflowDefinition>
  /**
   * Where runs, approvals and grants are kept. Defaults to the store the `Agent`s, `Team`s and
   * `Workflow`s given keep their runs in (they must share one), else a new memory store.
   */
  readonly store?: RunStore
  /** How often expired requirements are swept (default every 10 seconds); `false` to sweep only on `sweep()`. */
  readonly sweepEvery?: Duration.DurationInput | false
  /**
   * How long the sweeper's lease holds (default: three times `sweepEvery`): of the processes
   * sharing the store, the one holding it sweeps, and another takes over this long after it
   * died. See `Sweeper.SweeperOptions`.
   */
  readonly sweeperLease?: Duration.DurationInput
  /** How this process is named in the sweeper's lease (a host name, say), to see which sweeps. */
  readonly sweeperName?: string
  /**
   * How often a follower of a run checks the store for events written by other processes sharing
   * it, when this process has said nothing of the run for that long (default 200 ms); events of
   * this process arrive at once. See `RunEngine.EngineOptions`.
   */
  readonly eventPollInterval?: Duration.DurationInput
  /**
   * How long a follower of the approval queue waits for a change whose number is missing before
   * it goes past it (default 2 seconds). See `RunEngine.EngineOptions`.
   */
  readonly approvalChangeGracePeriod?: Duration.DurationInput
  /**
   * Whether a requester may approve their own calls (default false: nobody does, whatever their
   * roles). Only for setups with one person in them. See `RunEngine.EngineOptions`.
   */
  readonly allowSelfApproval?: boolean
  /**
   * How long a run's writer holds its lease (default 30 seconds, renewed every 10): a run being
   * worked on whose lease lapsed is interrupted, for `recoverRun` or `cancelRun`. See
   * `RunEngine.EngineOptions`.
   */
  readonly writerLease?: Duration.DurationInput
  /**
   * Where requirements raised, decided, expired, reminded or escalated (and runs ended, if asked)
   * are sent: the channels, the routes to them, and the control panel's address for links. Each
   * delivery is written to the store's outbox with the change it tells of, and this process's
   * dispatcher sends it. See `Notifications.NotificationsOptions`.
   */
  readonly notifications?: Notifications.NotificationsOptions
}

type Services = RunEngine.RunEngine | Approvals.Approvals | RunStore

/**
 * The one store the definitions with a Promise API (`Agent`, `Team`, `Workflow`) keep their runs
 * in, if any has one: serving them over another would start with none of their runs.
 */
const storeOf = (served: ReadonlyArray<Runnable>): RunStore | undefined => {
  const stores = new Set(
    served.flatMap((definition) =>
      'store' in definition && definition.store !== undefined ? [definition.store as RunStore] : [],
    ),
  )
  if (stores.size > 1)
    throw new DefinitionError({
      subject: 'Countersign',
      reason: 'the agents, teams and workflows given keep their runs in different stores: pass `store`',
    })
  return stores.values().next().value
}

/**
 * Agents, teams and workflows served together, with their approval queue: the Promise API of a
 * Countersign deployment (a server builds on it). One engine runs every run; runs are found by
 * id, whatever they belong to. Ids are unique across agents, teams and workflows. Methods reject with the
 * typed errors of `Errors`.
 */
export class Countersign {
  readonly store: RunStore
  /** What is served, by id. */
  readonly served: ReadonlyMap<string, Runnable>
  private readonly runtime: ManagedRuntime.ManagedRuntime<Services, never>

  constructor(options: CountersignOptions) {
    this.served = byId('Countersign', [
      ...(options.agents ?? []),
      ...(options.teams ?? []),
      ...(options.workflows ?? []),
    ])
    const served = [...this.served.values()]
    this.store = options.store ?? storeOf(served) ?? MemoryStore.make()
    const sweepEvery = options.sweepEvery ?? '10 seconds'
    const engine = RunEngine.layerWith({
      ...(options.eventPollInterval === undefined ? {} : { eventPollInterval: options.eventPollInterval }),
      ...(options.approvalChangeGracePeriod === undefined
        ? {}
        : { approvalChangeGracePeriod: options.approvalChangeGracePeriod }),
      ...(options.allowSelfApproval === undefined ? {} : { allowSelfApproval: options.allowSelfApproval }),
      ...(options.writerLease === undefined ? {} : { writerLease: options.writerLease }),
    }).pipe(
      Layer.provide(
        options.notifications === undefined ? Layer.empty : Notifications.layer(options.notifications),
      ),
      Layer.provideMerge(Layer.succeed(RunStore, this.store)),
      Layer.provideMerge(IdGenerator.layer),
    )
    const approvals = Approvals.layer(served, options).pipe(Layer.provideMerge(engine))
    this.runtime = ManagedRuntime.make(
      sweepEvery === false
        ? approvals
        : Layer.merge(
            approvals,
            Sweeper.layer(served, {
              every: sweepEvery,
              ...(options.sweeperLease === undefined ? {} : { lease: options.sweeperLease }),
              ...(options.sweeperName === undefined ? {} : { name: options.sweeperName }),
            }).pipe(Layer.provide(engine)),
          ),
    )
    // The runtime is built at its first use; a dispatcher must not wait for one to send what a
    // process before a restart left in the outbox.
    if (options.notifications !== undefined) void this.runtime.runtime().catch(() => undefined)
  }

  /** Starts a run of the agent, team or workflow with this id; resolves when it completes, fails or pauses. */
  run(agentId: string, input: string, options?: RunEngine.RunOptions): Promise<RunOutput> {
    return this.withEngine((engine) =>
      Effect.flatMap(this.agent(agentId), (agent) => engine.run(agent, input, options)),
    )
  }

  runStream(agentId: string, input: string, options?: RunEngine.RunOptions): AsyncIterable<RunEvent> {
    return this.iterate((engine) =>
      Stream.unwrap(Effect.map(this.agent(agentId), (agent) => engine.runStream(agent, input, options))),
    )
  }

  getRun(runId: string): Promise<RunOutput> {
    return this.withEngine((engine) =>
      Effect.flatMap(this.agentOfRun(runId), (agent) => engine.getRun(agent, runId)),
    )
  }

  /**
   * The run's events after `afterSeq`, stored then live, up to its next pause or ending; with
   * `until: 'end'`, through its pauses to its ending.
   */
  followRun(runId: string, afterSeq?: number, options?: RunEngine.FollowRunOptions): AsyncIterable<RunEvent> {
    return followerToAsyncIterable(
      this.runtime,
      Effect.flatMap(RunEngine.RunEngine, (engine) =>
        Effect.flatMap(this.agentOfRun(runId), (agent) => engine.follower(agent, runId, afterSeq, options)),
      ),
    )
  }

  /** Records decisions on a paused run's requirements without continuing it; answers the records as stored. */
  resolve(
    runId: string,
    resolutions: ReadonlyArray<ResolutionInput>,
    options?: RunEngine.ResolveOptions,
  ): Promise<ReadonlyArray<RequirementRecord>> {
    return this.withEngine((engine) =>
      Effect.flatMap(this.agentOfRun(runId), (agent) => engine.resolve(agent, runId, resolutions, options)),
    )
  }

  /**
   * Records the decisions given, then continues the run if none is left open: the same call, spelled
   * the same way, as `Agent.continueRun` (a paused `RunOutput` with its decisions made on it, or
   * `{ runId, resolutions }`).
   */
  continueRun(input: ContinueInput, options?: RunEngine.ResolveOptions): Promise<RunOutput> {
    const request = continueRequest(input)
    return this.withEngine((engine) =>
      Effect.flatMap(this.agentOfRun(request.runId), (agent) => engine.continueRun(agent, request, options)),
    )
  }

  /** `continueRun`, as the events it produces. */
  continueRunStream(input: ContinueInput, options?: RunEngine.ResolveOptions): AsyncIterable<RunEvent> {
    const request = continueRequest(input)
    return this.iterate((engine) =>
      Stream.unwrap(
        Effect.map(this.agentOfRun(request.runId), (agent) =>
          engine.continueRunStream(agent, request, options),
        ),
      ),
    )
  }

  cancelRun(runId: string, options?: RunEngine.ResolveOptions): Promise<RunOutput> {
    return this.withEngine((engine) =>
      Effect.flatMap(this.agentOfRun(runId), (agent) => engine.cancelRun(agent, runId, options)),
    )
  }

  /**
   * Takes over an interrupted run (being worked on, its writer's lease lapsed: its process died)
   * and goes on from what the store has: calls that started without a result run again
   * (`interruptedCalls: 'retry'`) or wait for a person (`'ask'`). See `RunEngine.recoverRun`.
   */
  recoverRun(runId: string, options: RunEngine.RecoverOptions): Promise<RunOutput> {
    return this.withEngine((engine) =>
      Effect.flatMap(this.agentOfRun(runId), (agent) => engine.recoverRun(agent, runId, options)),
    )
  }

  /** One pass of the sweeper now: expired requirements are closed and their runs moved on. */
  sweep(): Promise<RunEngine.SweepReport> {
    return this.withEngine((engine) => engine.sweep([...this.served.values()]))
  }

  /** The outbox's deliveries matching the filter, oldest first: what was sent where, and how it went. */
  deliveries(filter: DeliveryFilter = {}): Promise<ReadonlyArray<Delivery>> {
    return toPromise(
      this.runtime,
      Effect.flatMap(RunStore, (store) => store.listDeliveries(filter)),
    )
  }

  /** The approval queue and its audit trail. */
  readonly approvals = {
    /** A page of the queue, with `changeSeq`: follow `changes(changeSeq)` to miss nothing after it. */
    list: (query?: typeof ApprovalQuery.Encoded): Promise<ApprovalListing> =>
      this.withApprovals((approvals) => approvals.list(query)),
    count: (filter?: typeof ApprovalFilter.Encoded): Promise<number> =>
      this.withApprovals((approvals) => approvals.count(filter)),
    get: (approvalId: string): Promise<ApprovalRecord> =>
      this.withApprovals((approvals) => approvals.get(approvalId)),
    history: (approvalId: string): Promise<ReadonlyArray<Approvals.ApprovalEntry>> =>
      this.withApprovals((approvals) => approvals.history(approvalId)),
    /**
     * The queue's changes after `afterSeq` (by default, from its last change as of now), each
     * with its approval as it stands, then live, each once and in order. It never ends: stop
     * iterating to stop it. Rejects with InvalidRequest when `afterSeq` is not a whole number ≥ 0.
     */
    changes: (afterSeq?: number): AsyncIterable<ApprovalUpdate> =>
      toAsyncIterable(
        this.runtime,
        Stream.unwrap(Effect.map(Approvals.Approvals, (approvals) => approvals.changes(afterSeq))),
      ),
    /** Decides a pending approval (exactly one of concurrent deciders wins); continue the run separately. */
    decide: (
      approvalId: string,
      answer: Approvals.ApprovalAnswer,
      options: Approvals.DecideOptions,
    ): Promise<ApprovalRecord> =>
      this.withApprovals((approvals) => approvals.decide(approvalId, answer, options)),
  }

  /** Approvals given ahead of time, for the calls of one tool in one session. */
  readonly grants = {
    create: (
      request: Approvals.GrantRequest,
      options: Parameters<Approvals.Approvals['grant']>[1],
    ): Promise<Grant> => this.withApprovals((approvals) => approvals.grant(request, options)),
    list: (filter?: typeof GrantFilter.Encoded): Promise<ReadonlyArray<Grant>> =>
      this.withApprovals((approvals) => approvals.listGrants(filter)),
    revoke: (grantId: string, options: Approvals.RevokeOptions): Promise<Grant> =>
      this.withApprovals((approvals) => approvals.revokeGrant(grantId, options)),
  }

  /**
   * Stops the engine and the sweeper, then closes the toolkits its definitions use (an MCP server's
   * process, say: see `Toolkit.close`). Paused runs stay in the store.
   */
  async dispose(): Promise<void> {
    await this.runtime.dispose()
    await closeToolkits(this.served.values())
  }

  private agent(agentId: string) {
    const agent = this.served.get(agentId)
    return agent === undefined
      ? Effect.fail(
          new DefinitionError({
            subject: `"${agentId}"`,
            reason: 'no agent, team or workflow has this id here',
          }),
        )
      : Effect.succeed(agent)
  }

  /** The definition a run runs: served here, or a member of one served (its run can be read, not continued). */
  private agentOfRun(runId: string) {
    return Effect.flatMap(RunStore, (store) => store.getRun(runId)).pipe(
      Effect.flatMap((run) => {
        const agent = Option.isSome(run) ? findDefinition(this.served, run.value.agentId) : undefined
        return agent === undefined ? Effect.fail(new RunNotFound({ runId })) : Effect.succeed(agent)
      }),
    )
  }

  private withEngine<A, E>(use: (engine: RunEngine.RunEngine) => Effect.Effect<A, E, Services>): Promise<A> {
    return toPromise(this.runtime, Effect.flatMap(RunEngine.RunEngine, use))
  }

  private withApprovals<A, E>(use: (approvals: Approvals.Approvals) => Effect.Effect<A, E>): Promise<A> {
    return toPromise(this.runtime, Effect.flatMap(Approvals.Approvals, use))
  }

  private iterate<E>(
    use: (engine: RunEngine.RunEngine) => Stream.Stream<RunEvent, E, Services>,
  ): AsyncIterable<RunEvent> {
    return toAsyncIterable(this.runtime, Stream.unwrap(Effect.map(RunEngine.RunEngine, use)))
  }
}
