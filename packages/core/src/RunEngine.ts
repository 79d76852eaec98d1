import {
  Cause,
  Clock,
  Context,
  Deferred,
  Duration,
  Effect,
  Either,
  Exit,
  Fiber,
  FiberMap,
  FiberSet,
  Layer,
  Mailbox,
  Option,
  PubSub,
  type Scope,
  Stream,
} from 'effect'
import * as Approval from './Approval.js'
import {
  ApprovalPending,
  type CancelError,
  type ContinueError,
  type RecoverError,
  EngineStopped,
  RequirementsUnresolved,
  RunBusy,
  RunAlreadyExists,
  RunClaimed,
  type RunFailure,
  RunNotContinuable,
  RunNotFound,
  type StartError,
  StoreError,
} from './Errors.js'
import { IdGenerator } from './IdGenerator.js'
import { Principal } from './Principal.js'
import { RequirementRecord, Resolution, type ResolutionInput } from './Requirement.js'
import { holdsAt, isFinal, isWorking, revise, type RunLease, type RunRecord, starting } from './Run.js'
import type { Message } from './Message.js'
import { isEnding, isStop, type RunEvent } from './RunEvent.js'
import { RunOutput } from './RunOutput.js'
import { type Decision, RunStore } from './RunStore.js'
import type { Runnable as Agent } from './Runnable.js'
import { checkResolutions, type DecisionRules } from './internal/resolutions.js'
import { Stretches } from './internal/Stretches.js'
import * as requests from './internal/requests.js'
import { ofPause, startedWithoutResult } from './internal/journal.js'
import { driveStretch } from './internal/drive.js'
import type { Interrupted } from './internal/stop.js'
import { leaseTerms, RunWriter } from './internal/RunWriter.js'
import { LeaseKeeper } from './internal/leaseKeeper.js'
import { Background } from './internal/background.js'
import { type HeldPause, HeldPauses } from './internal/heldPauses.js'
import { defaultPollInterval, follower as followStepwise, stepsToStream } from './internal/follow.js'
import { FollowedRuns } from './internal/followedRuns.js'
import { type Announcer, RunSignals, type Signal } from './internal/signals.js'
import { defaultGracePeriod } from './internal/approvalFeed.js'
import { ApprovalFollowers } from './internal/approvalFollowers.js'
import { announcingApprovalWrites } from './internal/approvalWrites.js'
import { notifyingWrites } from './internal/notifyingWrites.js'
import { followUp } from './internal/followUps.js'
import { Notifier } from './Notifications.js'

/** Who starts a run, and for which user and session. A principal may be a plain `{ id, roles }`. */
export type RunOptions = typeof requests.RunOptions.Encoded

/** Who decides; recorded with every resolution. Defaults to the run's own principal. */
export type ResolveOptions = typeof requests.ResolveOptions.Encoded

/** How an engine is set up. */
export interface EngineOptions {
  /**
   * How often a follower of a run (`followRun`) ticks (default 200 ms): at a tick that ends an
   * interval in which this engine said nothing of the run, it reads the store for events another
   * process wrote. Events this engine writes reach its followers at once; this bounds how late
   * those of other servers sharing the store arrive (two intervals at most).
   */
  readonly eventPollInterval?: Duration.DurationInput
  /**
   * How long a follower of the approval queue (`followApprovals`) waits for a change whose
   * number is missing before it goes past it (default 2 seconds): how late a change of another
   * process may become visible, on stores that number changes after their approval's write.
   */
  readonly approvalChangeGracePeriod?: Duration.DurationInput
  /**
   * Whether a requester may approve their own calls (default false: separation of duties, whatever
   * their roles). Only for setups with one person in them, such as a developer's own machine.
   */
  readonly allowSelfApproval?: boolean
  /**
   * How long a run's writer holds its lease (default 30 seconds): it renews it every third of
   * that while it works, and a run being worked on whose lease lapsed is interrupted, for
   * `recoverRun` or `cancelRun` to take over. Shorter finds dead writers sooner; it must stay
   * well above the longest pause of a live process (a store outage, a stalled event loop), or a
   * live writer's run may be taken over (it is then stopped at its next write).
   */
  readonly writerLease?: Duration.DurationInput
}

export interface RecoverOptions {
  /** What to do with calls that started and stored no result. */
  readonly interruptedCalls: 'retry' | 'ask'
}

export interface FollowRunOptions {
  /** Where following ends: at the run's next stop (`'stop'`, the default), or at its ending (`'end'`). */
  readonly until?: 'stop' | 'end'
}

/** What one step of a run's follower (`RunEngine.follower`) delivered, and whether it was the last. */
export interface FollowStep {
  /** The events delivered, in order; none when the step only found nothing new. */
  readonly events: ReadonlyArray<RunEvent>
  /** True once the follower has delivered its last event: later steps deliver nothing. */
  readonly done: boolean
}

export interface ContinueRequest {
  readonly runId: string
  /** Decisions to record first. Merged into the stored requirements by id; never replaces them. */
  readonly resolutions?: ReadonlyArray<ResolutionInput>
}

/**
 * Runs agents. A run works in a fiber until it needs a person, commits the pause to the store,
 * and the fiber ends: a paused run lives in the store. Continuing a run claims it in the store
 * first (one winner, whatever the number of callers or processes), with a new fiber that goes
 * on from the run as stored: read from the store, or, in the engine that paused it, from the
 * copy of the pause it holds (its latest pauses, within a bound), which the claim checks
 * against the store. Either way the claim stores the decisions with it, so a stale copy is
 * refused and the run is read from the store.
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
  /**
   * Stops a running or paused run for good. The open requirements of its pause lapse as
   * cancelled, recorded as by `options.principal` (the run's own principal by default). A run
   * working in another engine is RunBusy while its writer's lease holds; an interrupted one is
   * cancelled.
   */
  readonly cancelRun: (
    agent: Agent,
    runId: string,
    options?: ResolveOptions,
  ) => Effect.Effect<RunOutput, CancelError | RunFailure>
  /**
   * Takes over an interrupted run — one being worked on whose writer's lease lapsed: its process
   * was killed, say (see `EngineOptions.writerLease`) — and goes on from what the store has.
   * Calls that had started without storing a result are run again with the same idempotency key
   * (`'retry'`), or put to a person first (`'ask'`, an `interrupted_call` requirement). A run
   * whose writer's lease holds is RunBusy. A writer that stalled past its lease and comes back is
   * stopped at its next write, though a call it is running then may still take effect.
   */
  readonly recoverRunStream: (
    agent: Agent,
    runId: string,
    options: RecoverOptions,
  ) => Stream.Stream<RunEvent, RecoverError | RunFailure>
  readonly recoverRun: (
    agent: Agent,
    runId: string,
    options: RecoverOptions,
  ) => Effect.Effect<RunOutput, RecoverError | RunFailure>
  /** The run as the store has it. */
  readonly getRun: (agent: Agent, runId: string) => Effect.Effect<RunOutput, RunNotFound | StoreError>
  /**
   * A run's events after `afterSeq`: those stored, then those stored from now on, by this engine
   * (heard at once) or by any other sharing its store (read every `eventPollInterval`), each once
   * and in order, up to and including the next stop (pause or ending), or with `until: 'end'`
   * through its pauses to its ending.
   */
  readonly followRun: (
    agent: Agent,
    runId: string,
    afterSeq?: number,
    options?: FollowRunOptions,
  ) => Stream.Stream<RunEvent, RunNotFound | StoreError | RunFailure>
  /**
   * `followRun` a step at a time, for callers that drive it themselves rather than through a
   * stream (the Promise API does, a step for each `next()` of its iterator): the first step
   * delivers what is stored, each later one waits for what comes next. It follows the run for as
   * long as the scope lasts.
   */
  readonly follower: (
    agent: Agent,
    runId: string,
    afterSeq?: number,
    options?: FollowRunOptions,
  ) => Effect.Effect<
    Effect.Effect<FollowStep, StoreError | RunFailure>,
    RunNotFound | StoreError,
    Scope.Scope
  >
  /**
   * The approval queue's changes after `afterSeq` (by default, from the queue's last change as
   * of now): those stored, then those stored from now on, by this engine (heard at once) or by
   * any other sharing its store (read every `eventPollInterval`), each once and in order, with
   * the approval as it stands when delivered. It never ends of itself.
   */
  readonly followApprovals: (afterSeq?: number) => Stream.Stream<Approval.ApprovalUpdate, StoreError>
  /**
   * One pass of the sweeper: reminds and escalates pending approvals whose step is due (each step
   * once, see FollowUp), closes requirements whose deadline has passed (by the Clock), then
   * cancels their runs or continues them with the call rejected, as each requirement says. Only
   * runs of `agents` are touched; work is read from the store, so a pass in a fresh process
   * finds whatever an earlier one left. Answers what it did.
   */
  readonly sweep: (
    agents: ReadonlyArray<Agent>,
    options?: { readonly limit?: number },
  ) => Effect.Effect<SweepReport, StoreError>
}

/** What one pass of the sweeper did, by run id. */
export interface SweepReport {
  /** Requirements closed as expired. */
  readonly expired: ReadonlyArray<string>
  readonly cancelledRuns: ReadonlyArray<string>
  /** Runs set going again, the expired calls rejected. */
  readonly continuedRuns: ReadonlyArray<string>
  /** Requirements reminded, and escalated, by this pass (see FollowUp); absent when none was. */
  readonly reminded?: ReadonlyArray<string>
  readonly escalated?: ReadonlyArray<string>
}

/** Who the sweeper records as having closed what lapsed. */
export const sweeperPrincipal = new Principal({ id: 'countersign:sweeper', roles: ['system'] })

export const RunEngine = Context.GenericTag<RunEngine>('@countersign/core/RunEngine')

/** What a stretch starts from: its writer, the decisions it resumes with, and what a dead writer left. */
interface Claimed {
  readonly writer: RunWriter
  readonly decided: ReadonlyArray<RequirementRecord>
  readonly interrupted?: Interrupted
}

/** One claim's worth of work for a run fiber, and who is waiting to hear that it holds the run. */
interface Stretch {
  readonly claim: Effect.Effect<Claimed, RunFailure>
  readonly announce?: Deferred.Deferred<void, RunFailure>
}

/**
 * Tells a waiting caller how a stretch ended, if its first batch did not tell it already. A
 * stretch stopped from outside (a cancel, the engine stopping) lets the caller follow the run's
 * events, which say what became of it.
 */
const tellCaller = (announce: Deferred.Deferred<void, RunFailure>, exit: Exit.Exit<unknown, RunFailure>) =>
  Exit.isFailure(exit) && !Cause.isInterruptedOnly(exit.cause)
    ? Deferred.failCause(announce, exit.cause)
    : Deferred.succeed(announce, undefined)

/**
 * A run set going by this engine: listened to from before, its events after `afterSeq` still to
 * come, and the writer that works on it, which holds what the run's stop answers.
 */
interface Going {
  readonly signalsOfRun: Mailbox.ReadonlyMailbox<Signal>
  readonly afterSeq: number
  readonly writer: RunWriter
}

/** The run a continue names, as sent: callers without types may send anything. */
const runIdOf = (request: ContinueRequest): unknown =>
  typeof request === 'object' && request !== null ? request.runId : undefined

/**
 * A run as it stands: its record, the events stored since its last stop (a writer is at work, or
 * died), and, when it is being worked on, its writer's lease.
 */
interface Current {
  readonly record: RunRecord
  readonly since: ReadonlyArray<RunEvent>
  readonly lease: RunLease | undefined
}

/** A paused run whose decisions leave none of its pause's requirements open, and every requirement of the run. */
interface ReadyToContinue {
  readonly run: RunRecord
  readonly requirements: ReadonlyArray<RequirementRecord>
  /** Decisions to store with the claim. */
  readonly decisions: ReadonlyArray<Decision>
}

/** Whether a continue's decisions (as sent: callers without types may send anything) name each requirement of the run's pause, and no other. */
const decidesWholePause = (run: RunRecord, resolutions: unknown) => {
  if (!Array.isArray(resolutions)) return false
  const named = new Set(
    resolutions.map((input: unknown) =>
      typeof input === 'object' && input !== null && 'requirementId' in input
        ? input.requirementId
        : undefined,
    ),
  )
  return (
    named.size === run.pendingRequirementIds.length && run.pendingRequirementIds.every((id) => named.has(id))
  )
}

const statusOf = ({ record, since }: Current) => (since.length > 0 ? 'running' : record.status)

/** A continue's claim on a run: the epoch it writes in, and what tells its caller it holds the run. */
interface Ticket {
  readonly runId: string
  readonly epoch: number
  readonly claimed: Deferred.Deferred<void, RunFailure>
}

const make = (options: EngineOptions) =>
  Effect.gen(function* () {
    const ids = yield* IdGenerator
    const rules: DecisionRules = { allowSelfApproval: options.allowSelfApproval === true }
    const signals = new RunSignals()
    const pollInterval = Duration.decode(options.eventPollInterval ?? defaultPollInterval)
    const terms = leaseTerms(options.writerLease)
    // The claim of each run whose writer stopped in this engine without a stop of the run (the
    // store failed, say): its lease holds no one, whatever the store says. Taking the run over forgets it.
    const endedHere = new Map<string, number>()

    /** Being worked on without a live lease: its writer died, or stalled past its lease. */
    const isInterrupted = (run: Current, now: number) =>
      isWorking(run.record, run.since.length > 0) &&
      (!holdsAt(run.record, run.lease, now) || endedHere.get(run.record.runId) === run.lease?.claimSeq)
    const stored = yield* RunStore
    // Word that this engine appended approval changes: one word stands for any number of writes.
    const approvalWrites = yield* PubSub.sliding<void>(1)
    // With notifications set up (the Notifier), writes carry their notifications' deliveries.
    const notifier = yield* Effect.serviceOption(Notifier)
    const store = announcingApprovalWrites(
      Option.match(notifier, {
        onNone: () => stored,
        onSome: (routing) => notifyingWrites(stored, routing),
      }),
      PubSub.publish(approvalWrites, undefined),
    )
    const followed = new FollowedRuns(store, signals, pollInterval, yield* Effect.scope)
    const approvalFollowers = new ApprovalFollowers({
      store,
      approvalWrites,
      pollInterval,
      gracePeriod: options.approvalChangeGracePeriod ?? defaultGracePeriod,
      scope: yield* Effect.scope,
    })
    // What a writer says of its run reaches its listeners, and tells the reader it need not read it.
    const announce = (signal: Signal) => {
      signals.unsafePublish(signal)
      followed.unsafeHeard(signal)
    }
    const announcer: Announcer = {
      publish: (signal) => Effect.sync(() => announce(signal)),
      publishAll: (events) => Effect.sync(() => events.forEach(announce)),
      letListenersHear: signals.letListenersHear,
    }
    const fibers = yield* FiberMap.make<string>()
    // What writers' timers set going: lease renewals, delayed flushes.
    const background = yield* FiberSet.makeRuntime<never, void, never>()
    const leases = new LeaseKeeper<RunWriter>(terms.renewEvery, (writers) =>
      background(Effect.forEach(writers, (writer) => writer.renewal, { discard: true })),
    )
    yield* Effect.addFinalizer(() => Effect.sync(leases.stop))
    // What a run's fiber works with, whoever set it going: provided at once, as one context
    // (each service provided apart costs the fiber one more swap of its context, every stretch).
    const stretchServices = Context.make(IdGenerator, ids).pipe(
      Context.add(RunStore, store),
      Context.add(Background, background),
    )
    const stretches = new Stretches()
    const held = new HeldPauses()
    // Deciding which fiber of this engine works on a run is one step at a time.
    const handOver = yield* Effect.makeSemaphore(1)
    let stopping = false
    // Runs before FiberMap's own finalizer interrupts the fibers: they then tell their listeners why.
    yield* Effect.addFinalizer(() => Effect.sync(() => (stopping = true)))

    /** The agent's run: another agent's run is not found, as its tools and plugins would not fit it. */
    const getRecord = (agent: Agent, runId: unknown) =>
      Effect.gen(function* () {
        const id = yield* requests.decodeRunId(runId)
        const run = yield* store.getRun(id)
        if (Option.isNone(run) || run.value.agentId !== agent.id) return yield* new RunNotFound({ runId: id })
        return run.value
      })

    const current = (agent: Agent, runId: unknown): Effect.Effect<Current, RunNotFound | StoreError> =>
      Effect.gen(function* () {
        const record = yield* getRecord(agent, runId)
        const since = isFinal(record.status) ? [] : yield* store.readEvents(record.runId, record.lastSeq)
        const lease = isWorking(record, since.length > 0)
          ? Option.getOrUndefined(yield* store.getLease(record.runId))
          : undefined
        return { record, since, lease }
      })

    /**
     * A run that may be continued, cancelled or recovered: one that works for no other run. A
     * member's run is refused, naming the run it works for at the top.
     */
    const currentRoot = (
      agent: Agent,
      runId: unknown,
    ): Effect.Effect<Current, RunNotFound | RunNotContinuable | StoreError> =>
      Effect.gen(function* () {
        const run = yield* current(agent, runId)
        let rootRunId = run.record.parentRunId
        if (rootRunId === undefined) return run
        for (;;) {
          const parent: Option.Option<RunRecord> = yield* store.getRun(rootRunId)
          const above: string | undefined = Option.isSome(parent) ? parent.value.parentRunId : undefined
          if (above === undefined)
            return yield* new RunNotContinuable({ runId: run.record.runId, status: statusOf(run), rootRunId })
          rootRunId = above
        }
      })

    const output = (agent: Agent, run: Current) =>
      Effect.all([
        store.readTranscript(run.record.runId),
        store.listRequirements(run.record.runId),
        Clock.currentTimeMillis,
      ]).pipe(
        Effect.map(
          ([messages, requirements, now]) =>
            new RunOutput(
              agent,
              revise(run.record, { status: statusOf(run) }),
              messages,
              requirements,
              new Set(startedWithoutResult(run.since, messages).keys()),
              isInterrupted(run, now),
            ),
        ),
      )

    const getRun = (agent: Agent, runId: string) =>
      Effect.flatMap(current(agent, runId), (run) => output(agent, run))

    const follower: RunEngine['follower'] = (agent, runId, afterSeq = 0, followOptions) =>
      Effect.gen(function* () {
        const until = followOptions?.until === 'end' ? isEnding : isStop
        // Listening before reading: what is stored after the read is still heard.
        const heard = yield* followed.listen(yield* requests.decodeRunId(runId))
        const record = yield* getRecord(agent, runId)
        const stored = yield* store.readEvents(record.runId, afterSeq)
        const last = stored.findIndex(until)
        if (last >= 0) return Effect.succeed<FollowStep>({ events: stored.slice(0, last + 1), done: true })
        // Ended before afterSeq: nothing comes after its ending.
        if (isFinal(record.status) && stored.length === 0)
          return Effect.succeed<FollowStep>({ events: [], done: true })
        const from = stored.at(-1)?.seq ?? afterSeq
        yield* followed.from(record.runId, from)
        const live = followStepwise({ heard, afterSeq: from, until })
        let replayed = stored.length === 0
        return Effect.suspend(() => {
          if (replayed) return live
          replayed = true
          return Effect.succeed<FollowStep>({ events: stored, done: false })
        })
      })

    const followRun: RunEngine['followRun'] = (agent, runId, afterSeq, followOptions) =>
      stepsToStream(follower(agent, runId, afterSeq, followOptions))

    const followApprovals: RunEngine['followApprovals'] = (afterSeq) => approvalFollowers.follow(afterSeq)

    /** The first events of a resumed run, stored with its first batch (its claim). */
    const resumed = Effect.fnUntraced(function* ({ writer, decided }: Claimed) {
      const runId = writer.run.runId
      for (const requirement of decided) {
        const resolution = requirement.resolution!
        yield* writer.emit({
          _tag: 'RequirementResolved',
          runId,
          requirementId: requirement.id,
          kind: requirement.kind,
          value: resolution.value,
          resolvedBy: resolution.resolvedBy,
          ...(resolution.lapsed === undefined ? {} : { lapsed: resolution.lapsed }),
        })
      }
      yield* writer.emit({ _tag: 'RunContinued', runId })
      return { writer, decided }
    })

    /**
     * One claim's worth of a run, until it pauses or ends. A failure of the run is recorded as its
     * ending; losing the run to another writer, or the store failing, records nothing: the run is
     * left as stored, for its new writer or for `recoverRun`.
     */
    const claimedStretch = Effect.fnUntraced(
      function* ({ claim }: Stretch) {
        const { writer, decided, interrupted } = yield* claim
        stretches.heldBy(writer)
        writer.tally(decided)
        return yield* Effect.uninterruptibleMask((restore) => {
          // Renewed for the stretch only: while the run is paused, nobody holds it.
          leases.hold(writer)
          return restore(driveStretch(writer, decided, interrupted)).pipe(
            Effect.tap(() => held.keep(writer.heldPause)),
            Effect.onExit((exit) => {
              leases.release(writer)
              // Stopped without a stop of the run (from outside, or the store failing): the run is
              // left for whoever takes it over, at once.
              const claimSeq = writer.leasedClaim
              if (Exit.isSuccess(exit) || claimSeq === undefined) return Effect.void
              endedHere.set(writer.run.runId, claimSeq)
              return writer.endLease
            }),
          )
        })
      },
      (stretch, { announce }) =>
        Effect.onExit(stretch, (exit) => (announce === undefined ? Effect.void : tellCaller(announce, exit))),
    )

    /**
     * The fiber of a run in this engine: it drives one claim's worth of the run, to its next stop,
     * and ends. It holds the run only while it works: a paused run is continued by a new fiber,
     * built from the store. Interrupted (cancelled, or the engine stopping), it writes nothing
     * more: whoever interrupted it takes over, or the run is left as the store has it.
     */
    const runFiber = (runId: string, stretch: Stretch) =>
      claimedStretch(stretch).pipe(
        Effect.asVoid,
        // The writer lost the run, or could not record its ending: tell its listeners rather than leave them waiting.
        Effect.catchAllCause((cause) => announcer.publish({ _tag: 'WriterDied', runId, cause })),
        Effect.onInterrupt(() =>
          stopping
            ? announcer.publish({
                _tag: 'WriterDied',
                runId,
                cause: Cause.fail(new EngineStopped({ runId })),
              })
            : Effect.void,
        ),
        Effect.provide(stretchServices),
      )

    /** Sets a fiber going on the run, known to this engine until it ends. */
    const startStretch = (runId: string, stretch: Stretch) =>
      stretches.add(
        runId,
        FiberMap.run(fibers, runId, runFiber(runId, stretch)),
        stretch.announce === undefined ? undefined : Effect.exit(Deferred.await(stretch.announce)),
      )

    /**
     * A run's events from listening that began before the run was set going, from `afterSeq` on,
     * until it stops. Events up to `afterSeq` are already known to the caller (a pause being
     * published as it is continued, say), and would end the stream early.
     */
    const eventsOf = ({ signalsOfRun, afterSeq }: Going): Stream.Stream<RunEvent, RunFailure> =>
      Mailbox.toStream(signalsOfRun).pipe(
        Stream.filter((signal) => signal._tag === 'WriterDied' || signal.seq > afterSeq),
        Stream.mapEffect((signal) =>
          signal._tag === 'WriterDied' ? Effect.failCause(signal.cause) : Effect.succeed(signal),
        ),
        Stream.takeUntil(isStop),
      )

    /**
     * The run as it stands at its next stop after `afterSeq`: what `eventsOf` ends with, without a
     * stream. The writer that stored the stop holds the run's record and transcript as stored,
     * and its requirements unless it began without them.
     */
    const atStop = Effect.fnUntraced(function* (agent: Agent, { signalsOfRun, afterSeq, writer }: Going) {
      for (;;) {
        // A batch's events arrive together: taken together.
        const [signals, closed] = yield* signalsOfRun.takeAll
        // Closed with the caller's scope only: waiting on would wait on nothing, as a queue's taker would not.
        if (closed && signals.length === 0) return yield* Effect.interrupt
        for (const signal of signals) {
          if (signal._tag === 'WriterDied') return yield* Effect.failCause(signal.cause)
          if (signal.seq <= afterSeq || !isStop(signal)) continue
          if (!writer.hasStopped || writer.run.lastSeq !== signal.seq)
            return yield* getRun(agent, signal.runId).pipe(Effect.orDie)
          const requirements =
            writer.requirements ?? (yield* store.listRequirements(signal.runId).pipe(Effect.orDie))
          return new RunOutput(agent, writer.run, writer.messages, requirements)
        }
      }
    })

    /** Creates a run and sets it going, listened to from before its first event. */
    const startRun = Effect.fnUntraced(function* (agent: Agent, rawInput: unknown, rawOptions: unknown) {
      const [input, options] = yield* requests.decodeRunInput(rawInput, rawOptions)
      const now = yield* Clock.currentTimeMillis
      const runId = yield* ids.next
      const signalsOfRun = yield* signals.listen(runId)
      const record = starting({
        runId,
        definition: agent,
        input,
        principal: options.principal ?? new Principal({ id: options.userId ?? 'anonymous', roles: [] }),
        sessionId: options.sessionId,
        userId: options.userId,
        now,
      })
      const position = { record, messages: [], lastSeq: 0, requirements: [] }
      const writer = RunWriter.make(agent, position, store, announcer, terms)
      // Created with its first event, in one write that is also its claim.
      yield* writer.begin
      yield* writer.create.pipe(Effect.catchTag('RunClaimed', () => new RunAlreadyExists({ runId })))
      yield* startStretch(runId, { claim: Effect.succeed({ writer, decided: [] }) })
      return { signalsOfRun, afterSeq: 0, writer } satisfies Going
    })

    /** A run that is paused and that nobody has claimed since. */
    const paused = (agent: Agent, runId: unknown) =>
      Effect.gen(function* () {
        const run = yield* currentRoot(agent, runId)
        const status = statusOf(run)
        if (status !== 'paused') return yield* new RunNotContinuable({ runId: run.record.runId, status })
        return run.record
      })

    /** Checks decisions on a paused run's requirements, as listed: each with the record it would make. */
    const check = Effect.fnUntraced(function* (
      agent: Agent,
      run: RunRecord,
      requirements: ReadonlyArray<RequirementRecord>,
      rawResolutions: ReadonlyArray<ResolutionInput>,
      options: typeof requests.ResolveOptions.Type,
    ) {
      const inputs = yield* requests.decodeResolutions(rawResolutions)
      const principal = options.principal ?? run.principal
      const checked = yield* checkResolutions(agent, run, requirements, inputs, principal, rules)
      const resolvedAt = yield* Clock.currentTimeMillis
      return checked.map(({ requirement, value }) => {
        const resolution = new Resolution({ value, resolvedBy: principal, resolvedAt })
        return {
          decision: { requirementId: requirement.id, resolution } satisfies Decision,
          // A stored record and a Resolution just checked: nothing in it is new to check.
          resolved: new RequirementRecord({ ...requirement, status: 'resolved', resolution }, true),
        }
      })
    })

    /** Records decisions on their own: each has one winner. */
    const recordDecisions = (runId: string, decisions: ReadonlyArray<Decision>) =>
      Effect.forEach(decisions, ({ requirementId, resolution }) =>
        store.resolveRequirement(runId, requirementId, resolution),
      )

    /**
     * The requirements decisions on a paused run deal with: its pause's, and any other they name.
     * Read one by one rather than listed, so that recording decisions reads as much at the run's
     * hundredth pause as at its first (a continue lists them all: its answer shows them).
     */
    const requirementsFor = (run: RunRecord, rawResolutions: ReadonlyArray<ResolutionInput> | undefined) =>
      Effect.gen(function* () {
        // Sent by callers without types: only what names a requirement is read; `record` refuses the rest.
        const named = (Array.isArray(rawResolutions) ? rawResolutions : []).flatMap((input: unknown) =>
          typeof input === 'object' && input !== null && 'requirementId' in input
            ? typeof input.requirementId === 'string'
              ? [input.requirementId]
              : []
            : [],
        )
        const ids = new Set([...run.pendingRequirementIds, ...named])
        const found = yield* Effect.forEach(ids, (id) => store.getRequirement(run.runId, id))
        return found.flatMap(Option.toArray)
      })

    const resolve: RunEngine['resolve'] = (agent, runId, rawResolutions, rawOptions) =>
      Effect.gen(function* () {
        const run = yield* paused(agent, runId)
        const options = yield* requests.decodeResolveOptions(rawOptions)
        const requirements = yield* requirementsFor(run, rawResolutions)
        const checked = yield* check(agent, run, requirements, rawResolutions, options)
        return yield* recordDecisions(
          run.runId,
          checked.map(({ decision }) => decision),
        )
      })

    /**
     * Checks the decisions and that none of the pause's requirements is left open: the run may be
     * claimed, with the decisions (`decisions`, stored with the claim, in one write). Decisions
     * that leave some open are recorded at once, and kept whatever comes of the continue.
     */
    const readyToContinue = (
      agent: Agent,
      request: ContinueRequest,
      rawOptions: ResolveOptions | undefined,
    ) =>
      Effect.gen(function* () {
        const run = yield* paused(agent, runIdOf(request))
        const options = yield* requests.decodeResolveOptions(rawOptions)
        // Every requirement: what the run's stops answer, besides those the decisions deal with.
        const listed = yield* store.listRequirements(run.runId)
        const checked =
          request.resolutions !== undefined && request.resolutions.length > 0
            ? yield* check(agent, run, listed, request.resolutions, options)
            : []
        const decided = checked.map(({ resolved }) => resolved)
        const decisions = checked.map(({ decision }) => decision)
        const openIn = (requirements: ReadonlyArray<RequirementRecord>) =>
          ofPause(run, requirements).filter(
            (requirement) =>
              requirement.status === 'pending' && !decided.some(({ id }) => id === requirement.id),
          )
        if (openIn(listed).length === 0)
          return {
            run,
            requirements: listed.map(
              (requirement) => decided.find(({ id }) => id === requirement.id) ?? requirement,
            ),
            decisions,
          }
        yield* recordDecisions(run.runId, decisions)
        // Others may have decided the rest meanwhile.
        const requirements = yield* store.listRequirements(run.runId)
        const open = openIn(requirements)
        const approvals = open.filter((requirement) => requirement.kind === Approval.kind)
        if (approvals.length > 0)
          return yield* new ApprovalPending({ runId: run.runId, approvalIds: approvals.map(({ id }) => id) })
        if (open.length > 0)
          return yield* new RequirementsUnresolved({
            runId: run.runId,
            requirementIds: open.map((requirement) => requirement.id),
          })
        return { run, requirements, decisions: [] }
      })

    /** Starts the run's fiber once the one before it has ended; one working on it already has claimed it. */
    const startAfterFinishing = Effect.fnUntraced(function* (
      ticket: Ticket,
      fresh: Effect.Effect<Claimed, RunFailure>,
    ) {
      const { runId, epoch } = ticket
      const finishing = stretches.finishing(runId)
      if (finishing !== undefined) yield* Fiber.await(finishing)
      else if (stretches.has(runId)) return yield* new RunClaimed({ runId, epoch })
      yield* startStretch(runId, { claim: fresh, announce: ticket.claimed })
    })

    /**
     * Sets a new fiber of the run going, once the one that paused it (if it is still finishing)
     * has ended. A run another fiber of this engine is working on is claimed already. Across
     * engines, the store decides: the fiber whose first batch is refused has lost.
     */
    const setGoing = (ticket: Ticket, fresh: Effect.Effect<Claimed, RunFailure>) =>
      handOver
        .withPermits(1)(startAfterFinishing(ticket, fresh))
        .pipe(
          // Events of the run may be queued for the caller already: it hears first whether it holds the run.
          Effect.zipRight(Deferred.await(ticket.claimed)),
        )

    /**
     * Sets the run going again from the pause its decisions were checked against, with them: the
     * writer numbers on from the pause, so that if another writer got there first, its first
     * batch (its claim, which stores the decisions) is refused. Done once it holds the run.
     */
    const claimFrom = Effect.fnUntraced(function* (
      agent: Agent,
      { run, requirements, decisions }: ReadyToContinue,
      messages: ReadonlyArray<Message>,
    ) {
      const claimed = yield* Deferred.make<void, RunFailure>()
      const epoch = run.epoch + 1
      const position = { record: revise(run, { epoch }), messages, lastSeq: run.lastSeq, requirements }
      const writer = RunWriter.make(agent, position, store, announcer, terms, claimed, decisions)
      const decided = ofPause(run, requirements)
      yield* setGoing({ runId: run.runId, epoch, claimed }, resumed({ writer, decided }))
      return { run, writer }
    })

    /**
     * Continues from the store: the run, its requirements and its transcript are read once each.
     * A lost claim's decisions were not stored: recorded alone, they say whether another continue
     * decided first. One of this engine may be storing its own with its claim: they are recorded
     * once it has claimed or failed to, else each continue could refuse the other.
     */
    const resumeStored = (agent: Agent, request: ContinueRequest, options: ResolveOptions | undefined) =>
      Effect.gen(function* () {
        const ready = yield* readyToContinue(agent, request, options)
        const { run, decisions } = ready
        const messages = yield* store.readTranscript(run.runId)
        return yield* claimFrom(agent, ready, messages).pipe(
          Effect.catchTag('RunClaimed', (lost) =>
            Effect.zipRight(
              Effect.zipRight(stretches.claimSettled(run.runId), recordDecisions(run.runId, decisions)),
              lost,
            ),
          ),
        )
      })

    /**
     * Continues from the pause this engine holds. Decisions given are checked against the pause as
     * its writer stored it, and stored with the claim: nothing is read. Without decisions, the
     * pause's requirements are read, and it goes on if they are all decided (`resolve`, through
     * any process): decisions are stored for good, so what is read is current. If anything
     * changed in the store since (another process decided, continued or cancelled the run), the
     * claim is refused, and the run is continued from the store as if nothing were held: its
     * checks say what became of it, as they do when a requirement is still open.
     */
    const resumeHeld = Effect.fnUntraced(
      function* (
        agent: Agent,
        pause: HeldPause,
        request: ContinueRequest,
        rawOptions: ResolveOptions | undefined,
      ) {
        const run = pause.record
        const options = yield* requests.decodeResolveOptions(rawOptions)
        const given = request.resolutions ?? []
        const checked = given.length === 0 ? [] : yield* check(agent, run, pause.requirements, given, options)
        const decided =
          given.length > 0
            ? checked.map(({ resolved }) => resolved)
            : (yield* Effect.forEach(run.pendingRequirementIds, (id) => store.getRequirement(run.runId, id)))
                .flatMap(Option.toArray)
                .filter(({ status }) => status !== 'pending')
        if (decided.length !== run.pendingRequirementIds.length)
          return yield* resumeStored(agent, request, rawOptions)
        const requirements = pause.requirements.map(
          (requirement) => decided.find(({ id }) => id === requirement.id) ?? requirement,
        )
        const decisions = checked.map(({ decision }) => decision)
        return yield* claimFrom(agent, { run, requirements, decisions }, pause.messages)
      },
      (resuming, agent, _pause, request, rawOptions) =>
        Effect.catchTag(resuming, 'RunClaimed', () => resumeStored(agent, request, rawOptions)),
    )

    /**
     * Records the decisions and sets the run going again: from the pause this engine holds, when
     * the decisions are of every requirement of it or none are given, else from the store. Done
     * once it holds the run; answers the pause it left and its writer.
     */
    const resume = Effect.fnUntraced(function* (
      agent: Agent,
      request: ContinueRequest,
      options: ResolveOptions | undefined,
    ) {
      const runId = yield* requests.decodeRunId(runIdOf(request))
      // The fiber that paused the run may still be finishing: it holds the pause once it has ended.
      const finishing = stretches.finishing(runId)
      if (finishing !== undefined) yield* Fiber.await(finishing)
      const pause = held.take(runId)
      const fromHeld =
        pause !== undefined &&
        pause.record.agentId === agent.id &&
        ((request.resolutions ?? []).length === 0 || decidesWholePause(pause.record, request.resolutions))
      return fromHeld
        ? yield* resumeHeld(agent, pause, request, options)
        : yield* resumeStored(agent, request, options)
    })

    /** Records the decisions and sets the paused run going again, listened to from before it is claimed. */
    const startContinue = Effect.fnUntraced(function* (
      agent: Agent,
      request: ContinueRequest,
      options: ResolveOptions | undefined,
    ) {
      const signalsOfRun = yield* signals.listen(yield* requests.decodeRunId(runIdOf(request)))
      const { run, writer } = yield* resume(agent, request, options)
      return { signalsOfRun, afterSeq: run.lastSeq, writer } satisfies Going
    })

    /**
     * Closes the still-open requirements of a run's pause without a decision. Each has one ending:
     * one decided meanwhile keeps its decision.
     */
    const lapse = (
      run: RunRecord,
      why: 'expired' | 'cancelled',
      by: Principal,
      only: ReadonlyArray<string> = run.pendingRequirementIds,
    ) =>
      Effect.gen(function* () {
        const resolvedAt = yield* Clock.currentTimeMillis
        const lapsed = yield* Effect.forEach(only, (requirementId) =>
          store
            .resolveRequirement(
              run.runId,
              requirementId,
              new Resolution({ value: null, resolvedBy: by, resolvedAt, lapsed: why }),
            )
            .pipe(
              Effect.as([requirementId]),
              Effect.catchTags({
                RequirementAlreadyResolved: () => Effect.succeed([]),
                RequirementNotFound: () => Effect.succeed([]),
              }),
            ),
        )
        return lapsed.flat()
      })

    const sweep: RunEngine['sweep'] = (agents, options) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const due = yield* store.listExpired(now, options?.limit ?? 100)
        const followedUp = yield* followUp(store, notifier, new Set(agents.map(({ id }) => id)), now)
        const report = {
          expired: [] as Array<string>,
          cancelledRuns: [] as Array<string>,
          continuedRuns: [] as Array<string>,
          ...(followedUp.reminded.length === 0 ? {} : { reminded: followedUp.reminded }),
          ...(followedUp.escalated.length === 0 ? {} : { escalated: followedUp.escalated }),
        }
        for (const runId of new Set(due.map((requirement) => requirement.runId))) {
          const run = yield* store.getRun(runId)
          const agent = agents.find((candidate) => Option.isSome(run) && candidate.id === run.value.agentId)
          if (Option.isNone(run) || agent === undefined) continue
          const expiring = due.filter(
            (requirement) =>
              requirement.runId === runId && run.value.pendingRequirementIds.includes(requirement.id),
          )
          const expired = yield* lapse(
            run.value,
            'expired',
            sweeperPrincipal,
            expiring.map(({ id }) => id),
          )
          report.expired.push(...expired)
          if (expired.length === 0) continue
          const cancel = expiring.some(
            (requirement) => expired.includes(requirement.id) && requirement.onExpire === 'cancel',
          )
          // Another engine may be at it too: whoever claims the run first does it, the others let go.
          const attempt: Effect.Effect<unknown, { readonly _tag: string }> = cancel
            ? cancelRun(agent, runId, { principal: sweeperPrincipal })
            : resume(agent, { runId }, { principal: sweeperPrincipal })
          const done = yield* attempt.pipe(
            Effect.as(true),
            Effect.catchAll((error) =>
              error instanceof StoreError ? Effect.fail(error) : Effect.succeed(false),
            ),
          )
          if (done) (cancel ? report.cancelledRuns : report.continuedRuns).push(runId)
        }
        return report
      })

    /** Whether a fiber of this engine is working on the run now (not finishing after its stop). */
    const workingHere = (runId: string) => Effect.sync(() => stretches.isWorking(runId))

    /** A writer that goes on from everything stored of the run, whoever wrote it. */
    const takeOver = (agent: Agent, run: Current, onClaimed?: Deferred.Deferred<void, RunFailure>) =>
      Effect.gen(function* () {
        const messages = yield* store.readTranscript(run.record.runId)
        endedHere.delete(run.record.runId)
        const lastSeq = run.since.at(-1)?.seq ?? run.record.lastSeq
        const record = revise(run.record, { epoch: run.record.epoch + 1 })
        const writer = RunWriter.make(
          agent,
          { record, messages, lastSeq },
          store,
          announcer,
          terms,
          onClaimed,
        )
        return { writer, messages, lastSeq }
      })

    /** Whether a run being worked on is held by a writer that is alive: one of this engine's, or one whose lease holds. */
    const heldByLiveWriter = (run: Current) =>
      Effect.gen(function* () {
        if (yield* FiberMap.has(fibers, run.record.runId)) return true
        return !isInterrupted(run, yield* Clock.currentTimeMillis)
      })

    /**
     * Cancels like any writer takes over: its RunCancelled goes after the last stored event, so a
     * continue that claims the run first makes it fail, and a writer it overtakes fails at its
     * next batch. This engine's fiber of the run, if it is working on it, is stopped first (it
     * writes nothing when interrupted). A run working in another engine cannot be stopped from
     * here while its writer's lease holds (RunBusy); once it has lapsed, the run is interrupted
     * and cancelled like any.
     * The pause's requirements lapse, and the runs working for it are cancelled, before its
     * RunCancelled is published.
     */
    const cancelRun: RunEngine['cancelRun'] = (agent, runId, rawOptions) =>
      Effect.gen(function* () {
        const options = yield* requests.decodeResolveOptions(rawOptions)
        for (let attempt = 1; ; attempt++) {
          const before = yield* currentRoot(agent, runId)
          const id = before.record.runId
          if (isFinal(before.record.status))
            return yield* new RunNotContinuable({ runId: id, status: before.record.status })
          if (
            statusOf(before) === 'running' &&
            !(yield* workingHere(id)) &&
            !isInterrupted(before, yield* Clock.currentTimeMillis)
          )
            return yield* new RunBusy({ runId: id })
          yield* handOver.withPermits(1)(FiberMap.remove(fibers, id))
          // Whatever comes of the cancel, the pause held (if any) is over.
          held.take(id)
          const run = yield* current(agent, id)
          // It finished while being stopped: there is nothing left to cancel.
          if (isFinal(run.record.status))
            return yield* new RunNotContinuable({ runId: id, status: run.record.status })
          const { writer } = yield* takeOver(agent, run)
          // What was decided on its pause before the cancel (an expiry that cancels it, say) is counted.
          if (run.record.status === 'paused')
            writer.tally(
              ofPause(run.record, yield* store.listRequirements(id)).filter(
                (requirement) => requirement.status === 'resolved',
              ),
            )
          const cancelled = yield* Effect.either(
            writer.cancel({
              settle: Effect.asVoid(
                lapse(run.record, 'cancelled', options.principal ?? run.record.principal),
              ),
            }),
          )
          if (Either.isRight(cancelled)) return yield* getRun(agent, id)
          // Lost to a continue or another cancel: look again at what the run has become.
          if (cancelled.left._tag !== 'RunClaimed' || attempt >= 3) return yield* cancelled.left
        }
      })

    /**
     * Takes over an interrupted run (its writer died, or stalled past its lease) and sets it going,
     * listened to from before it is claimed. A run held by a live writer is RunBusy.
     */
    const startRecover = (agent: Agent, runId: unknown, options: RecoverOptions) =>
      Effect.gen(function* () {
        const signalsOfRun = yield* signals.listen(yield* requests.decodeRunId(runId))
        const run = yield* currentRoot(agent, runId)
        const id = run.record.runId
        const status = statusOf(run)
        if (status !== 'running') return yield* new RunNotContinuable({ runId: id, status })
        if (yield* heldByLiveWriter(run)) return yield* new RunBusy({ runId: id })
        const claimed = yield* Deferred.make<void, RunFailure>()
        const { writer, messages, lastSeq } = yield* takeOver(agent, run, claimed)
        const interrupted = startedWithoutResult(run.since, messages)
        // A stretch that died after claiming a pause still owes the pause's decisions.
        const decided = ofPause(run.record, yield* store.listRequirements(id)).filter(
          (requirement) => requirement.status === 'resolved',
        )
        const start = Effect.gen(function* () {
          yield* writer.emit({
            _tag: 'RunRecovered',
            runId: id,
            interruptedToolCallIds: [...interrupted.keys()],
          })
          return { writer, decided, interrupted: { calls: interrupted, then: options.interruptedCalls } }
        })
        yield* setGoing({ runId: id, epoch: writer.run.epoch, claimed }, start)
        return { signalsOfRun, afterSeq: lastSeq, writer } satisfies Going
      })

    return RunEngine.of({
      runStream: (agent, input, options) =>
        Stream.unwrapScoped(Effect.map(startRun(agent, input, options), eventsOf)),
      run: (agent, input, options) =>
        Effect.scoped(Effect.flatMap(startRun(agent, input, options), (going) => atStop(agent, going))),
      resolve,
      continueRunStream: (agent, request, options) =>
        Stream.unwrapScoped(Effect.map(startContinue(agent, request, options), eventsOf)),
      continueRun: (agent, request, options) =>
        Effect.scoped(
          Effect.flatMap(startContinue(agent, request, options), (going) => atStop(agent, going)),
        ),
      cancelRun,
      recoverRunStream: (agent, runId, options) =>
        Stream.unwrapScoped(Effect.map(startRecover(agent, runId, options), eventsOf)),
      recoverRun: (agent, runId, options) =>
        Effect.scoped(Effect.flatMap(startRecover(agent, runId, options), (going) => atStop(agent, going))),
      getRun,
      followRun,
      follower,
      followApprovals,
      sweep,
    })
  })

/** The engine set up with `options`, over whatever RunStore and IdGenerator are provided. */
export const layerWith = (options: EngineOptions): Layer.Layer<RunEngine, never, RunStore | IdGenerator> =>
  Layer.scoped(RunEngine, make(options))

/** The engine, over whatever RunStore and IdGenerator are provided. Closing its scope interrupts its runs. */
export const layer = layerWith({})
