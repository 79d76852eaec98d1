import {
  Cause,
  Clock,
  Context,
  Deferred,
  Effect,
  Either,
  Exit,
  FiberMap,
  Layer,
  Option,
  PubSub,
  type Queue,
  Stream,
} from 'effect'
import type { AgentDefinition as Agent } from './Agent.js'
import {
  type CancelError,
  type ContinueError,
  EngineStopped,
  RequirementsUnresolved,
  RunBusy,
  type RunFailure,
  RunNotContinuable,
  RunNotFound,
  type StartError,
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
import { describe } from './internal/describe.js'
import { checkResolutions } from './internal/resolutions.js'
import { Suspensions } from './internal/Suspensions.js'
import * as requests from './internal/requests.js'
import { drive } from './internal/runLoop.js'
import { RunWriter } from './internal/RunWriter.js'

/** Who starts a run, and for which user and session. A principal may be a plain `{ id, roles }`. */
export type RunOptions = typeof requests.RunOptions.Encoded

/** Who decides; recorded with every resolution. Defaults to the run's own principal. */
export type ResolveOptions = typeof requests.ResolveOptions.Encoded

export interface ContinueRequest {
  readonly runId: string
  /** Decisions to record first. Merged into the stored requirements by id; never replaces them. */
  readonly resolutions?: ReadonlyArray<ResolutionInput>
}

/**
 * Runs agents. Each run is a fiber: it works until the run needs a person, commits the pause to
 * the store, and suspends. Continuing a run claims it in the store first (one winner, whatever
 * the number of callers or processes), then wakes the suspended fiber if this engine has it, or
 * starts one from the store if not. Both rebuild the run from the store, so a hot resume and a
 * resume in a fresh process take the same path.
 */
export interface RunEngine {
  /** Starts a run; the stream yields its events until it pauses or ends. */
  readonly runStream: (
    agent: Agent,
    input: string,
    options?: RunOptions,
  ) => Stream.Stream<RunEvent, StartError | RunFailure>
  readonly run: (
    agent: Agent,
    input: string,
    options?: RunOptions,
  ) => Effect.Effect<RunOutput, StartError | RunFailure>
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
type Signal =
  RunEvent | { readonly _tag: 'WriterDied'; readonly runId: string; readonly cause: Cause.Cause<RunFailure> }

interface Claimed {
  readonly writer: RunWriter
  readonly decided: ReadonlyArray<RequirementRecord>
}

/** How many paused runs an engine keeps a suspended fiber for (see Suspensions). */
const maxSuspended = 1_000

const make = Effect.gen(function* () {
  const store = yield* RunStore
  const ids = yield* IdGenerator
  /** This engine, as the owner of the claims it takes. */
  const owner = yield* ids.next
  const signals = yield* PubSub.unbounded<Signal>()
  const fibers = yield* FiberMap.make<string>()
  const suspensions = new Suspensions(maxSuspended)
  let stopping = false
  // Runs before FiberMap's own finalizer interrupts the fibers: they then tell their listeners why.
  yield* Effect.addFinalizer(() => Effect.sync(() => (stopping = true)))

  const publish = (event: RunEvent) => Effect.asVoid(PubSub.publish(signals, event))

  /** The agent's run: another agent's run is not found, as its tools and plugins would not fit it. */
  const getRecord = (agent: Agent, runId: unknown) =>
    Effect.gen(function* () {
      const id = yield* requests.decodeRunId(runId)
      const run = yield* store.getRun(id)
      if (Option.isNone(run) || run.value.agentId !== agent.id) return yield* new RunNotFound({ runId: id })
      return run.value
    })

  const output = (agent: Agent, run: RunRecord) =>
    Effect.all([
      store.readTranscript(run.runId, run.transcriptLength),
      store.listRequirements(run.runId),
    ]).pipe(Effect.map(([messages, requirements]) => new RunOutput(agent, run, messages, requirements)))

  const getRun = (agent: Agent, runId: string) =>
    Effect.flatMap(getRecord(agent, runId), (run) => output(agent, run))

  /** Rebuilds a run's writer from the store, for the holder of the claim of `epoch`. */
  const load = (agent: Agent, runId: string, epoch: number): Effect.Effect<Claimed, StoreError> =>
    Effect.gen(function* () {
      const run = yield* getRecord(agent, runId).pipe(Effect.catchTag('RunNotFound', Effect.die))
      const messages = yield* store.readTranscript(runId, run.transcriptLength)
      const requirements = yield* store.listRequirements(runId)
      // Events stored after the last commit (a writer stopped mid-way) keep their numbers.
      const later = yield* store.readEvents(runId, run.lastSeq)
      const record = new RunRecord({ ...run, epoch, lastSeq: later.at(-1)?.seq ?? run.lastSeq })
      const decided = run.pendingRequirementIds.flatMap((id) =>
        requirements.filter((requirement) => requirement.id === id),
      )
      return { writer: RunWriter.make(agent, record, messages, store, publish), decided }
    })

  /** The first steps of a resumed run: save the claim, then tell listeners what was decided. */
  const resumed = ({ writer, decided }: Claimed) =>
    Effect.gen(function* () {
      const runId = writer.run.runId
      yield* writer.save({ status: 'running', pendingRequirementIds: [] })
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

  /** One claim's worth of a run, from taking it over until it pauses or ends; a failure is recorded as the run's. */
  const claimedStretch = (runId: string, claimed: Effect.Effect<Claimed, RunFailure>) =>
    Effect.gen(function* () {
      const { writer, decided } = yield* claimed
      return yield* drive(writer, decided).pipe(
        Effect.catchAllDefect((defect) => Effect.fail(new UnexpectedError({ reason: describe(defect) }))),
        Effect.catchAll((error) =>
          writer
            .commit(
              { _tag: 'RunFailed', runId, error: error.message },
              { status: 'failed', error: error.message, pendingRequirementIds: [] },
            )
            .pipe(Effect.as('failed' as const)),
        ),
      )
    })

  /**
   * The fiber of a run in this engine: it drives the run, and while the run is paused it waits,
   * suspended, to be handed the next claim. Between claims it holds nothing of the run but its
   * id: each stretch rebuilds the run from the store. Interrupted (cancelled, let go, or the
   * engine stopping), it writes nothing: whoever interrupted it holds the claim now, or the run
   * is left as the store has it.
   */
  const runFiber = (runId: string, first: Effect.Effect<Claimed, RunFailure>) =>
    Effect.gen(function* () {
      let claimed = first
      for (;;) {
        const wake = yield* suspensions.register(runId)
        const stop = yield* claimedStretch(runId, claimed).pipe(
          Effect.onExit((exit) =>
            Exit.isSuccess(exit) && exit.value === 'paused'
              ? Effect.void
              : Effect.sync(() => suspensions.release(runId, wake)),
          ),
        )
        if (stop !== 'paused') return
        for (const evicted of suspensions.wait(runId)) yield* FiberMap.remove(fibers, evicted)
        const ticket = yield* Deferred.await(wake).pipe(
          Effect.onInterrupt(() => Effect.sync(() => suspensions.release(runId, wake))),
        )
        claimed = Effect.flatMap(load(ticket.agent, runId, ticket.epoch), resumed)
      }
    }).pipe(
      // The writer could not even record its ending (the store is gone, say): tell its listeners rather than leave them waiting.
      Effect.catchAllCause((cause) => PubSub.publish(signals, { _tag: 'WriterDied', runId, cause })),
      Effect.onInterrupt(() =>
        stopping
          ? PubSub.publish(signals, {
              _tag: 'WriterDied',
              runId,
              cause: Cause.fail(new EngineStopped({ runId })),
            })
          : Effect.void,
      ),
      Effect.provideService(IdGenerator, ids),
    )

  /**
   * A run's events from a subscription taken before the run was set going, from `afterSeq` on,
   * until it stops. Events up to `afterSeq` are already known to the caller (a pause being
   * published as it is continued, say), and would end the stream early.
   */
  const eventsOf = (
    subscription: Queue.Dequeue<Signal>,
    runId: string,
    afterSeq: number,
  ): Stream.Stream<RunEvent, RunFailure> =>
    Stream.fromQueue(subscription).pipe(
      Stream.filter(
        (signal) => signal.runId === runId && (signal._tag === 'WriterDied' || signal.seq > afterSeq),
      ),
      Stream.mapEffect((signal) =>
        signal._tag === 'WriterDied' ? Effect.failCause(signal.cause) : Effect.succeed(signal),
      ),
      Stream.takeUntil(isStop),
    )

  const runStream: RunEngine['runStream'] = (agent, rawInput, rawOptions) =>
    Stream.unwrapScoped(
      Effect.gen(function* () {
        const [input, options] = yield* requests.decodeRunInput(rawInput, rawOptions)
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
        return eventsOf(subscription, runId, 0)
      }),
    )

  const runToStop = <E>(agent: Agent, events: Stream.Stream<RunEvent, E>) =>
    Effect.gen(function* () {
      const last = yield* Stream.runLast(events)
      if (Option.isNone(last)) return yield* Effect.die(new Error('a run stream ended without an event'))
      return yield* getRun(agent, last.value.runId).pipe(Effect.orDie)
    })

  const resolve: RunEngine['resolve'] = (agent, runId, rawResolutions, rawOptions) =>
    Effect.gen(function* () {
      const run = yield* getRecord(agent, runId)
      const inputs = yield* requests.decodeResolutions(rawResolutions)
      const options = yield* requests.decodeResolveOptions(rawOptions)
      if (run.status !== 'paused')
        return yield* new RunNotContinuable({ runId: run.runId, status: run.status })
      const principal = options.principal ?? run.principal
      const requirements = yield* store.listRequirements(run.runId)
      const checked = yield* checkResolutions(agent, run, requirements, inputs, principal)
      const resolvedAt = yield* Clock.currentTimeMillis
      return yield* Effect.forEach(checked, ({ requirement, value }) =>
        store.resolveRequirement(
          run.runId,
          requirement.id,
          new Resolution({ value, resolvedBy: principal, resolvedAt }),
        ),
      )
    })

  /** Records the decisions, checks none is left open, and claims the run's next epoch. */
  const claimForContinue = (agent: Agent, request: ContinueRequest, options: ResolveOptions | undefined) =>
    Effect.gen(function* () {
      const runId = yield* requests.decodeRunId(
        typeof request === 'object' && request !== null ? request.runId : undefined,
      )
      if (request.resolutions !== undefined && request.resolutions.length > 0)
        yield* resolve(agent, runId, request.resolutions, options)
      else yield* requests.decodeResolveOptions(options)
      const run = yield* getRecord(agent, runId)
      if (run.status !== 'paused') return yield* new RunNotContinuable({ runId, status: run.status })
      const requirements = yield* store.listRequirements(runId)
      const open = requirements.filter(
        (requirement) =>
          run.pendingRequirementIds.includes(requirement.id) && requirement.status === 'pending',
      )
      if (open.length > 0)
        return yield* new RequirementsUnresolved({
          runId,
          requirementIds: open.map((requirement) => requirement.id),
        })
      yield* store.claimRun(runId, run.epoch + 1, owner)
      return run
    })

  /** Hands a claimed run to its suspended fiber here, or starts a fiber from the store. */
  const wake = (agent: Agent, runId: string, epoch: number) =>
    Effect.gen(function* () {
      const suspended = suspensions.take(runId)
      if (suspended !== undefined && (yield* Deferred.succeed(suspended, { agent, epoch }))) return
      yield* FiberMap.run(fibers, runId, runFiber(runId, Effect.flatMap(load(agent, runId, epoch), resumed)))
    })

  const continueRunStream: RunEngine['continueRunStream'] = (agent, request, options) =>
    Stream.unwrapScoped(
      Effect.gen(function* () {
        const subscription = yield* PubSub.subscribe(signals)
        const paused = yield* claimForContinue(agent, request, options)
        yield* wake(agent, paused.runId, paused.epoch + 1)
        return eventsOf(subscription, paused.runId, paused.lastSeq)
      }),
    )

  /**
   * Cancels like any writer takes over: by claiming the run's next epoch, so that no continue
   * can start it again. Then this engine's fiber of the run, driving or suspended, is stopped
   * (it writes nothing when interrupted), and the cancellation is committed under the claim.
   * A run working in another engine cannot be stopped from here.
   */
  const cancelRun: RunEngine['cancelRun'] = (agent, runId) =>
    Effect.gen(function* () {
      for (let attempt = 1; ; attempt++) {
        const run = yield* getRecord(agent, runId)
        if (isFinal(run.status)) return yield* new RunNotContinuable({ runId: run.runId, status: run.status })
        const drivingHere = (yield* FiberMap.has(fibers, run.runId)) && !suspensions.isWaiting(run.runId)
        if (run.status === 'running' && !drivingHere) return yield* new RunBusy({ runId: run.runId })
        const claim = yield* Effect.either(store.claimRun(run.runId, run.epoch + 1, owner))
        // Lost to a continue or another cancel: look again at what the run has become.
        if (Either.isLeft(claim)) {
          if (claim.left._tag === 'RunClaimed' && attempt < 3) continue
          return yield* claim.left
        }
        suspensions.take(run.runId)
        yield* FiberMap.remove(fibers, run.runId)
        const stopped = yield* getRecord(agent, run.runId)
        // It finished while being stopped: there is nothing left to cancel.
        if (isFinal(stopped.status))
          return yield* new RunNotContinuable({ runId: run.runId, status: stopped.status })
        const { writer } = yield* load(agent, run.runId, run.epoch + 1)
        yield* writer.commit(
          { _tag: 'RunCancelled', runId: run.runId },
          { status: 'cancelled', pendingRequirementIds: [] },
        )
        return yield* getRun(agent, run.runId)
      }
    })

  return RunEngine.of({
    runStream,
    run: (agent, input, options) => runToStop(agent, runStream(agent, input, options)),
    resolve,
    continueRunStream,
    continueRun: (agent, request, options) => runToStop(agent, continueRunStream(agent, request, options)),
    cancelRun,
    getRun,
  })
})

/** The engine, over whatever RunStore and IdGenerator are provided. Closing its scope interrupts its runs. */
export const layer = Layer.scoped(RunEngine, make)
