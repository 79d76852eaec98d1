import {
  Cause,
  Clock,
  Context,
  Deferred,
  Effect,
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
  type InvalidRunInput,
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
import { checkResolutions } from './internal/resolutions.js'
import { decodeResolutions, decodeResolveOptions, decodeRunId, decodeRunInput } from './internal/requests.js'
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

interface ResumeTicket {
  readonly agent: Agent
  readonly epoch: number
}

interface Claimed {
  readonly writer: RunWriter
  readonly decided: ReadonlyArray<RequirementRecord>
}

/**
 * How many paused runs an engine keeps a suspended fiber for. Beyond it the oldest are let go:
 * they resume from the store like any other, so this bounds memory, not what works.
 */
const maxSuspended = 1_000

const unexpected = (defect: unknown) =>
  new UnexpectedError({ reason: defect instanceof Error ? defect.message : String(defect) })

const make = Effect.gen(function* () {
  const store = yield* RunStore
  const ids = yield* IdGenerator
  const owner = yield* ids.next
  const signals = yield* PubSub.unbounded<Signal>()
  const fibers = yield* FiberMap.make<string>()
  /** Runs paused here whose fiber waits to be handed their next claim (oldest first). */
  const suspended = new Map<string, Deferred.Deferred<ResumeTicket>>()
  /** Runs whose fiber is being interrupted because someone cancelled them. */
  const cancelling = new Set<string>()

  const publish = (event: RunEvent) => Effect.asVoid(PubSub.publish(signals, event))

  /** The agent's run: another agent's run is not found, as its tools and plugins would not fit it. */
  const getRecord = (agent: Agent, runId: unknown) =>
    Effect.gen(function* () {
      const id = yield* decodeRunId(runId)
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

  /**
   * One claim's worth of a run: from taking it over until it pauses or ends. A failure is
   * recorded as the run's failure; a cancel request, as its cancellation. An engine shutting
   * down records nothing: the run is left to be recovered.
   */
  const stretch = (runId: string, claimed: Effect.Effect<Claimed, RunFailure>) =>
    Effect.gen(function* () {
      const { writer, decided } = yield* claimed
      return yield* drive(writer, decided).pipe(
        Effect.catchAllDefect((defect) => Effect.fail(unexpected(defect))),
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
              { _tag: 'RunFailed', runId, error: error.message },
              { status: 'failed', error: error.message, pendingRequirementIds: [] },
            )
            .pipe(Effect.as('failed' as const)),
        ),
      )
    })

  /** Waits, while the run is paused, for this engine to hand it its next claim. */
  const awaitClaim = (runId: string) =>
    Effect.gen(function* () {
      const wake = yield* Deferred.make<ResumeTicket>()
      suspended.set(runId, wake)
      const [oldest] = suspended.keys()
      if (suspended.size > maxSuspended && oldest !== undefined) yield* FiberMap.remove(fibers, oldest)
      return yield* Deferred.await(wake)
    }).pipe(Effect.ensuring(Effect.sync(() => suspended.delete(runId))))

  /**
   * The fiber of a run, in this engine. Between its claims it holds nothing of the run but its
   * id: each stretch rebuilds the run from the store.
   */
  const runFiber = (runId: string, first: Effect.Effect<Claimed, RunFailure>) =>
    Effect.gen(function* () {
      let claimed = first
      for (;;) {
        if ((yield* stretch(runId, claimed)) !== 'paused') return
        const ticket = yield* awaitClaim(runId)
        claimed = Effect.flatMap(load(ticket.agent, runId, ticket.epoch), resumed)
      }
    }).pipe(
      // The writer could not even record its ending (the store is gone, say): tell its listeners rather than leave them waiting.
      Effect.catchAllCause((cause) =>
        Cause.isInterruptedOnly(cause)
          ? Effect.void
          : PubSub.publish(signals, { _tag: 'WriterDied', runId, cause }),
      ),
      Effect.provideService(IdGenerator, ids),
    )

  /** A run's events from a subscription taken before the run was set going, until it stops. */
  const eventsOf = (
    subscription: Queue.Dequeue<Signal>,
    runId: string,
  ): Stream.Stream<RunEvent, RunFailure> =>
    Stream.fromQueue(subscription).pipe(
      Stream.filter((signal) => signal.runId === runId),
      Stream.mapEffect((signal) =>
        signal._tag === 'WriterDied' ? Effect.failCause(signal.cause) : Effect.succeed(signal),
      ),
      Stream.takeUntil(isStop),
    )

  const runStream: RunEngine['runStream'] = (agent, rawInput, rawOptions) =>
    Stream.unwrapScoped(
      Effect.gen(function* () {
        const [input, options] = yield* decodeRunInput(rawInput, rawOptions)
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

  const runToStop = <E>(agent: Agent, events: Stream.Stream<RunEvent, E>) =>
    Effect.gen(function* () {
      const last = yield* Stream.runLast(events)
      if (Option.isNone(last)) return yield* Effect.die(new Error('a run stream ended without an event'))
      return yield* getRun(agent, last.value.runId).pipe(Effect.orDie)
    })

  const resolve: RunEngine['resolve'] = (agent, runId, rawResolutions, rawOptions) =>
    Effect.gen(function* () {
      const run = yield* getRecord(agent, runId)
      const inputs = yield* decodeResolutions(rawResolutions)
      const options = yield* decodeResolveOptions(rawOptions)
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
      const runId = yield* decodeRunId(
        typeof request === 'object' && request !== null ? request.runId : undefined,
      )
      if (request.resolutions !== undefined && request.resolutions.length > 0)
        yield* resolve(agent, runId, request.resolutions, options)
      else yield* decodeResolveOptions(options)
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
      return { runId, epoch: run.epoch + 1 }
    })

  /** Hands a claimed run to its suspended fiber here, or starts a fiber from the store. */
  const wake = (agent: Agent, runId: string, epoch: number) =>
    Effect.gen(function* () {
      const waiting = suspended.get(runId)
      suspended.delete(runId)
      if (waiting !== undefined && (yield* Deferred.succeed(waiting, { agent, epoch }))) return
      yield* FiberMap.run(fibers, runId, runFiber(runId, Effect.flatMap(load(agent, runId, epoch), resumed)))
    })

  const continueRunStream: RunEngine['continueRunStream'] = (agent, request, options) =>
    Stream.unwrapScoped(
      Effect.gen(function* () {
        const subscription = yield* PubSub.subscribe(signals)
        const { runId, epoch } = yield* claimForContinue(agent, request, options)
        yield* wake(agent, runId, epoch)
        return eventsOf(subscription, runId)
      }),
    )

  /** Interrupts the run's fiber here, which records the cancellation, or records it itself if the fiber could not. */
  const cancelHere = (agent: Agent, run: RunRecord) =>
    Effect.gen(function* () {
      const fiber = yield* FiberMap.get(fibers, run.runId).pipe(Effect.option)
      // Suspended here means paused here, then continued by another engine, which is running it now.
      if (Option.isNone(fiber) || suspended.has(run.runId))
        return yield* new RunClaimed({ runId: run.runId, epoch: run.epoch })
      cancelling.add(run.runId)
      yield* Fiber.interrupt(fiber.value).pipe(
        Effect.ensuring(Effect.sync(() => cancelling.delete(run.runId))),
      )
      const after = yield* getRecord(agent, run.runId)
      if (after.status === 'running') yield* commitCancel(agent, after, after.epoch)
    })

  const commitCancel = (agent: Agent, run: RunRecord, epoch: number) =>
    Effect.flatMap(load(agent, run.runId, epoch), ({ writer }) =>
      writer.commit(
        { _tag: 'RunCancelled', runId: run.runId },
        { status: 'cancelled', pendingRequirementIds: [] },
      ),
    )

  const cancelRun: RunEngine['cancelRun'] = (agent, runId) =>
    Effect.gen(function* () {
      const run = yield* getRecord(agent, runId)
      if (isFinal(run.status)) return yield* new RunNotContinuable({ runId: run.runId, status: run.status })
      if (run.status === 'running') yield* cancelHere(agent, run)
      else {
        yield* store.claimRun(run.runId, run.epoch + 1, owner)
        yield* FiberMap.remove(fibers, run.runId)
        yield* commitCancel(agent, run, run.epoch + 1)
      }
      return yield* getRun(agent, run.runId)
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
