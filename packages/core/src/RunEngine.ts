import {
  Cause,
  Clock,
  Context,
  Deferred,
  Effect,
  Either,
  Fiber,
  FiberMap,
  Layer,
  Option,
  PubSub,
  type Queue,
  Stream,
} from 'effect'
import type { AgentDefinition as Agent } from './Agent.js'
import {
  type ContinueError,
  InvalidResolution,
  InvalidRunInput,
  NotAllowedToResolve,
  RequirementAlreadyResolved,
  RequirementNotFound,
  RequirementsUnresolved,
  RunClaimed,
  RunNotContinuable,
  RunNotFound,
  type RunAlreadyExists,
  type StoreError,
  UnexpectedError,
} from './Errors.js'
import { IdGenerator } from './IdGenerator.js'
import { Principal } from './Principal.js'
import { type RequirementRecord, Resolution, type ResolutionInput } from './Requirement.js'
import { isFinal, RunRecord } from './Run.js'
import { isStop, type RunEvent } from './RunEvent.js'
import { RunOutput } from './RunOutput.js'
import { RunStore } from './RunStore.js'
import { validateResolution } from './internal/resolutions.js'
import { drive, type RunFailure } from './internal/runLoop.js'
import { RunWriter } from './internal/RunWriter.js'

export interface RunOptions {
  readonly userId?: string
  readonly sessionId?: string
  /** Who starts the run; defaults to a principal named after `userId`. Tools see it in `ctx.principal`. */
  readonly principal?: Principal
}

export interface ResolveOptions {
  /** Who decides; recorded with every resolution. Defaults to the run's own principal. */
  readonly principal?: Principal
}

export interface ContinueRequest {
  readonly runId: string
  /** Decisions to record first. Merged into the stored requirements by id; never replaces them. */
  readonly resolutions?: ReadonlyArray<ResolutionInput>
}

export type StartError = InvalidRunInput | RunAlreadyExists | StoreError
export type CancelError = RunNotFound | RunNotContinuable | RunClaimed | StoreError

/**
 * Runs agents. Each run is a fiber: it works until the run needs a person, commits the pause to
 * the store, and suspends. Continuing a run claims it in the store first (one winner, whatever
 * the number of callers or processes), then wakes the suspended fiber if this engine has it, or
 * starts one from the store if not. Both rebuild the run from the store, so a hot resume and a
 * resume in a fresh process take the same path.
 */
export interface RunEngine {
  /** Starts a run; the stream yields its events until it pauses or ends. */
  readonly runStream: (agent: Agent, input: string, options?: RunOptions) => Stream.Stream<RunEvent, StartError | RunFailure>
  readonly run: (agent: Agent, input: string, options?: RunOptions) => Effect.Effect<RunOutput, StartError | RunFailure>
  /** Records decisions on a paused run's requirements without continuing it. */
  readonly resolve: (
    agent: Agent,
    runId: string,
    resolutions: ReadonlyArray<ResolutionInput>,
    options?: ResolveOptions,
  ) => Effect.Effect<ReadonlyArray<RequirementRecord>, ContinueError>
  /** Records the given decisions, then continues the run if none is left open. */
  readonly continueRunStream: (
    agent: Agent,
    request: ContinueRequest,
    options?: ResolveOptions,
  ) => Stream.Stream<RunEvent, ContinueError | RunFailure>
  readonly continueRun: (
    agent: Agent,
    request: ContinueRequest,
    options?: ResolveOptions,
  ) => Effect.Effect<RunOutput, ContinueError | RunFailure>
  /** Stops a running or paused run for good. */
  readonly cancelRun: (agent: Agent, runId: string) => Effect.Effect<RunOutput, CancelError | RunFailure>
  /** The run as the store has it. */
  readonly getRun: (agent: Agent, runId: string) => Effect.Effect<RunOutput, RunNotFound | StoreError>
}

export const RunEngine = Context.GenericTag<RunEngine>('@countersign/core/RunEngine')

/** What flows to a run's listeners: its stored events, or word that its writer died without storing an ending. */
type Signal = RunEvent | { readonly _tag: 'WriterDied'; readonly runId: string; readonly cause: Cause.Cause<RunFailure> }

interface ResumeTicket {
  readonly agent: Agent
  readonly epoch: number
}

const make = Effect.gen(function* () {
  const store = yield* RunStore
  const ids = yield* IdGenerator
  const owner = yield* ids.next
  const signals = yield* PubSub.unbounded<Signal>()
  const fibers = yield* FiberMap.make<string>()
  /** Runs paused in this engine whose fiber waits for its next claim. */
  const suspended = new Map<string, Deferred.Deferred<ResumeTicket>>()
  /** Runs whose fiber is being interrupted because someone cancelled them. */
  const cancelling = new Set<string>()

  const publish = (event: RunEvent) => Effect.asVoid(PubSub.publish(signals, event))

  const getRecord = (runId: string) =>
    store.getRun(runId).pipe(
      Effect.flatMap(Option.match({ onNone: () => Effect.fail(new RunNotFound({ runId })), onSome: Effect.succeed })),
    )

  const output = (agent: Agent, run: RunRecord) =>
    Effect.all([store.readTranscript(run.runId, run.transcriptLength), store.listRequirements(run.runId)]).pipe(
      Effect.map(([messages, requirements]) => new RunOutput(agent, run, messages, requirements)),
    )

  const getRun = (agent: Agent, runId: string) => Effect.flatMap(getRecord(runId), (run) => output(agent, run))

  /** Rebuilds a run's writer from the store, as of the claim of `epoch` (held by the caller, so the run exists). */
  const load = (agent: Agent, runId: string, epoch: number) =>
    Effect.gen(function* () {
      const run = yield* getRecord(runId).pipe(Effect.catchTag('RunNotFound', Effect.die))
      const messages = yield* store.readTranscript(runId, run.transcriptLength)
      const requirements = yield* store.listRequirements(runId)
      const decided = run.pendingRequirementIds.flatMap((id) => requirements.filter((requirement) => requirement.id === id))
      return { writer: RunWriter.make(agent, new RunRecord({ ...run, epoch }), messages, store, publish), decided }
    })

  /**
   * The fiber of a run: drives it, and while it is paused waits for the next claim, then
   * reloads it from the store and goes on. Interrupted while driving, it records the
   * cancellation itself, as the claim holder; a failure is recorded as the run's failure.
   */
  const runFiber = (
    runId: string,
    first: Effect.Effect<{ writer: RunWriter; decided: ReadonlyArray<RequirementRecord> }, RunFailure>,
  ) =>
    Effect.gen(function* () {
      let next = first
      for (;;) {
        const { writer, decided } = yield* next
        const stop = yield* drive(writer, decided).pipe(
          Effect.catchAllDefect((defect) => new UnexpectedError({ reason: defect instanceof Error ? defect.message : String(defect) })),
          // Only a cancel request ends the run here; an engine shutting down leaves it to be recovered.
          Effect.onInterrupt(() =>
            cancelling.has(runId)
              ? writer
                  .commit({ _tag: 'RunCancelled', runId }, { status: 'cancelled', pendingRequirementIds: [] })
                  .pipe(Effect.ignore)
              : Effect.void,
          ),
          Effect.catchAll((error) =>
            writer
              .commit(
                { _tag: 'RunFailed', runId: writer.run.runId, error: error.message },
                { status: 'failed', error: error.message, pendingRequirementIds: [] },
              )
              .pipe(Effect.as('failed' as const)),
          ),
        )
        if (stop !== 'paused') return
        const wake = yield* Deferred.make<ResumeTicket>()
        suspended.set(runId, wake)
        const ticket = yield* Deferred.await(wake).pipe(Effect.ensuring(Effect.sync(() => suspended.delete(runId))))
        next = Effect.flatMap(load(ticket.agent, runId, ticket.epoch), resumed)
      }
    }).pipe(
      // The writer could not even record its ending (the store is gone, say): tell its listeners rather than leave them waiting.
      Effect.catchAllCause((cause) =>
        Cause.isInterruptedOnly(cause) ? Effect.void : PubSub.publish(signals, { _tag: 'WriterDied', runId, cause }),
      ),
      Effect.provideService(IdGenerator, ids),
    )

  /** The first steps of a resumed run: save the claim, then tell listeners what was decided. */
  const resumed = ({ writer, decided }: { writer: RunWriter; decided: ReadonlyArray<RequirementRecord> }) =>
    Effect.gen(function* () {
      const runId = writer.run.runId
      yield* writer.save({ status: 'running', epoch: writer.run.epoch, pendingRequirementIds: [] })
      for (const requirement of decided)
        yield* writer.emit({
          _tag: 'RequirementResolved',
          runId,
          requirementId: requirement.id,
          kind: requirement.kind,
          value: requirement.resolution?.value,
          resolvedBy: requirement.resolution!.resolvedBy,
        })
      yield* writer.emit({ _tag: 'RunContinued', runId })
      return { writer, decided }
    })

  /** A run's events from a subscription taken before the run was set going, until it stops. */
  const eventsOf = (subscription: Queue.Dequeue<Signal>, runId: string): Stream.Stream<RunEvent, RunFailure> =>
    Stream.fromQueue(subscription).pipe(
      Stream.filter((signal) => signal.runId === runId),
      Stream.mapEffect((signal) => (signal._tag === 'WriterDied' ? Effect.failCause(signal.cause) : Effect.succeed(signal))),
      Stream.takeUntil(isStop),
    )

  const runStream: RunEngine['runStream'] = (agent, input, options = {}) =>
    Stream.unwrapScoped(
      Effect.gen(function* () {
        if (typeof input !== 'string' || input.trim() === '')
          return yield* new InvalidRunInput({ reason: 'the input must be a non-empty string' })
        const subscription = yield* PubSub.subscribe(signals)
        const now = yield* Clock.currentTimeMillis
        const runId = yield* ids.next
        const record = new RunRecord({
          schemaVersion: 1,
          runId,
          agentId: agent.id,
          ...(options.sessionId === undefined ? {} : { sessionId: options.sessionId }),
          ...(options.userId === undefined ? {} : { userId: options.userId }),
          principal: options.principal ?? new Principal({ id: options.userId ?? 'anonymous', roles: [] }),
          status: 'running',
          epoch: 0,
          input,
          content: '',
          transcriptLength: 0,
          lastSeq: 0,
          pendingRequirementIds: [],
          createdAt: now,
          updatedAt: now,
        })
        yield* store.createRun(record)
        yield* store.claimRun(runId, 0, owner).pipe(Effect.catchTag('RunClaimed', Effect.die))
        const writer = RunWriter.make(agent, record, [], store, publish)
        const start = Effect.gen(function* () {
          yield* writer.emit({ _tag: 'RunStarted', runId, agentId: agent.id, input })
          writer.append({ _tag: 'User', content: input })
          return { writer, decided: [] }
        })
        yield* FiberMap.run(fibers, runId, runFiber(runId, start))
        return eventsOf(subscription, runId)
      }),
    )

  const runToStop = <E>(events: Stream.Stream<RunEvent, E>, agent: Agent) =>
    Effect.gen(function* () {
      const last = yield* Stream.runLast(events)
      if (Option.isNone(last)) return yield* Effect.die(new Error('a run stream ended without an event'))
      return yield* getRun(agent, last.value.runId).pipe(Effect.orDie)
    })

  const resolve: RunEngine['resolve'] = (agent, runId, inputs, options = {}) =>
    Effect.gen(function* () {
      const run = yield* getRecord(runId)
      if (run.status !== 'paused') return yield* new RunNotContinuable({ runId, status: run.status })
      const principal = options.principal ?? run.principal
      const requirements = yield* store.listRequirements(runId)
      const seen = new Set<string>()
      const checked: Array<{ requirement: RequirementRecord; value: unknown }> = []
      // Every answer is checked before any is recorded: bad input changes nothing.
      for (const { requirementId, value } of inputs) {
        const requirement = requirements.find((candidate) => candidate.id === requirementId)
        // A pending requirement outside the committed pause is the leftover of a pause that never committed.
        const current = run.pendingRequirementIds.includes(requirementId)
        if (requirement === undefined || (!current && requirement.status === 'pending'))
          return yield* new RequirementNotFound({ runId, requirementId })
        if (seen.has(requirementId))
          return yield* new InvalidResolution({ requirementId, kind: requirement.kind, reason: 'it is answered twice in one request' })
        seen.add(requirementId)
        if (requirement.status !== 'pending') return yield* new RequirementAlreadyResolved({ requirementId })
        const plugin = agent.plugins.get(requirement.kind)
        if (plugin === undefined)
          return yield* new InvalidResolution({ requirementId, kind: requirement.kind, reason: 'no plugin for this kind is registered on the agent' })
        const stored = validateResolution(plugin, requirement, value)
        if (Either.isLeft(stored)) return yield* stored.left
        if (!plugin.mayResolve(principal, { request: requirement.request, runPrincipal: run.principal }))
          return yield* new NotAllowedToResolve({ requirementId, principalId: principal.id })
        checked.push({ requirement, value: stored.right })
      }
      const resolvedAt = yield* Clock.currentTimeMillis
      return yield* Effect.forEach(checked, ({ requirement, value }) =>
        store.resolveRequirement(runId, requirement.id, new Resolution({ value, resolvedBy: principal, resolvedAt })),
      )
    })

  /** Records the decisions, checks none is left open, and claims the run's next epoch. */
  const claimForContinue = (agent: Agent, request: ContinueRequest, options: ResolveOptions) =>
    Effect.gen(function* () {
      if (request.resolutions !== undefined && request.resolutions.length > 0)
        yield* resolve(agent, request.runId, request.resolutions, options)
      const run = yield* getRecord(request.runId)
      if (run.status !== 'paused') return yield* new RunNotContinuable({ runId: run.runId, status: run.status })
      const requirements = yield* store.listRequirements(run.runId)
      const open = requirements.filter(
        (requirement) => run.pendingRequirementIds.includes(requirement.id) && requirement.status === 'pending',
      )
      if (open.length > 0)
        return yield* new RequirementsUnresolved({ runId: run.runId, requirementIds: open.map((requirement) => requirement.id) })
      yield* store.claimRun(run.runId, run.epoch + 1, owner)
      return run.epoch + 1
    })

  /** Hands a claimed run to its suspended fiber here, or starts a fiber from the store. */
  const wake = (agent: Agent, runId: string, epoch: number) =>
    Effect.gen(function* () {
      const waiting = suspended.get(runId)
      suspended.delete(runId)
      if (waiting !== undefined && (yield* Deferred.succeed(waiting, { agent, epoch }))) return
      yield* FiberMap.run(fibers, runId, runFiber(runId, Effect.flatMap(load(agent, runId, epoch), resumed)))
    })

  const continueRunStream: RunEngine['continueRunStream'] = (agent, request, options = {}) =>
    Stream.unwrapScoped(
      Effect.gen(function* () {
        const subscription = yield* PubSub.subscribe(signals)
        const epoch = yield* claimForContinue(agent, request, options)
        yield* wake(agent, request.runId, epoch)
        return eventsOf(subscription, request.runId)
      }),
    )

  const cancelRun: RunEngine['cancelRun'] = (agent, runId) =>
    Effect.gen(function* () {
      const run = yield* getRecord(runId)
      if (isFinal(run.status)) return yield* new RunNotContinuable({ runId, status: run.status })
      if (run.status === 'running') {
        const fiber = yield* FiberMap.get(fibers, runId).pipe(Effect.option)
        if (Option.isNone(fiber)) return yield* new RunClaimed({ runId, epoch: run.epoch })
        cancelling.add(runId)
        yield* Fiber.interrupt(fiber.value).pipe(Effect.ensuring(Effect.sync(() => cancelling.delete(runId))))
      } else {
        yield* store.claimRun(runId, run.epoch + 1, owner)
        yield* FiberMap.remove(fibers, runId)
        const { writer } = yield* load(agent, runId, run.epoch + 1)
        yield* writer.commit({ _tag: 'RunCancelled', runId }, { status: 'cancelled', pendingRequirementIds: [] })
      }
      return yield* getRun(agent, runId)
    })

  return RunEngine.of({
    runStream,
    run: (agent, input, options) => runToStop(runStream(agent, input, options), agent),
    resolve,
    continueRunStream,
    continueRun: (agent, request, options) => runToStop(continueRunStream(agent, request, options), agent),
    cancelRun,
    getRun,
  })
})

/** The engine, over whatever RunStore and IdGenerator are provided. Closing its scope interrupts its runs. */
export const layer = Layer.scoped(RunEngine, make)
