import { Clock, type Context, Deferred, Duration, Effect, Fiber, Option } from 'effect'
import type { YieldWrap } from 'effect/Utils'
import type { ApprovalSource } from '../Approval.js'
import { type RunAlreadyExists, RunClaimed, type RunFailure, StoreError, type WriteError } from '../Errors.js'
import { Member } from '../Member.js'
import type { Message } from '../Message.js'
import type { RequirementRecord } from '../Requirement.js'
import { isFinal, revise, type RunLease, type RunRecord } from '../Run.js'
import type { RunEvent, RunEventBody } from '../RunEvent.js'
import type { BatchRefused, Decision, JournalBatch, RunStore } from '../RunStore.js'
import type { Actor, Runnable } from '../Runnable.js'
import * as Usage from '../Usage.js'
import { withDecisions } from './decisionCounts.js'
import { type HeldPause, heldPauseOf } from './heldPauses.js'
import type { Announcer } from './signals.js'
import type { Background } from './background.js'
import { WriteLock } from './writeLock.js'

/** What a writer starts from: the run as stored, and how far its journal goes. */
export interface Position {
  readonly record: RunRecord
  readonly messages: ReadonlyArray<Message>
  /** The run's last stored event. */
  readonly lastSeq: number
  /**
   * Every requirement of the run as stored when it goes on (its pause's decided), when the
   * writer's caller has read or holds them: its stops then answer them without a read.
   */
  readonly requirements?: ReadonlyArray<RequirementRecord>
}

/**
 * The run a person continues: a run that no other run works for. Its writer's claim covers the
 * runs working for it (a team's members), whose requirements it stores and whose approvals name it.
 */
export interface Root {
  readonly runId: string
  readonly epoch: number
  readonly source: ApprovalSource
}

const rootOf = (definition: Runnable, record: RunRecord): Root => ({
  runId: record.runId,
  epoch: record.epoch,
  source: { type: definition.kind, id: definition.id, name: definition.name },
})

/** How long a root writer's lease lasts, and how often it renews it while it works. */
export interface LeaseTerms {
  readonly duration: Duration.Duration
  readonly renewEvery: Duration.Duration
}

/** A lease of 30 seconds renewed every 10: a writer that stalls for 20 seconds still holds. */
export const defaultLeaseDuration = Duration.seconds(30)

export const leaseTerms = (duration: Duration.DurationInput = defaultLeaseDuration): LeaseTerms => {
  const length = Duration.decode(duration)
  return { duration: length, renewEvery: Duration.unsafeDivide(length, 3) }
}

/** The lease of `claimSeq` from `now`. */
const leaseFrom = (runId: string, claimSeq: number, terms: LeaseTerms, now: number): RunLease => ({
  runId,
  claimSeq,
  expiresAt: now + Duration.toMillis(terms.duration),
})

/**
 * The holder of a run's current claim, and so its only writer: it numbers the run's events and
 * stores them with the transcript in batches, at the points where what it did must be durable
 * before it goes on (before a tool runs, at a stop), then publishes them. Its first batch is its
 * claim; a batch refused because its sequence number is taken means another writer holds the
 * run now, and this one stops with RunClaimed, having written nothing more.
 */
export class RunWriter<D extends Runnable = Runnable> {
  private buffered: Array<RunEvent> = []
  private claimed = false
  /** Set when a batch failed: what was written is unknown, so nothing more may be. */
  private broken: WriteError | undefined
  /** The sequence number of its claim, once stored: what its lease names. */
  private claimSeq: number | undefined
  /** Set once it committed a stop: the stop ended its lease, which it must not write again. */
  private stopped = false
  /** Set once `endLease` ended its lease without a stop: no renewal may write it again. */
  private leaseEnded = false
  /** The pause it stored, if it knew every requirement of the run: see `heldPause`. */
  private pause: HeldPause | undefined
  /** A flush set to run when its timer fires, and the fiber of one under way: see `flushWithin`. */
  private flushTimer: ReturnType<typeof setTimeout> | undefined
  private flushing: Fiber.RuntimeFiber<void> | undefined
  private readonly lock = new WriteLock()

  private constructor(
    readonly agent: D,
    /** The root run this writer works for (itself, unless it is a member's). */
    readonly root: Root,
    /** How the root names this run, if it is a member's. */
    readonly member: Member | undefined,
    private record: RunRecord,
    readonly messages: Array<Message>,
    private stored: number,
    private seq: number,
    private readonly store: RunStore,
    private readonly announcer: Announcer,
    private readonly onClaimed: Deferred.Deferred<void, RunFailure> | undefined,
    /** Set on a root run's writer: a member's run is worked on under its root's lease. */
    private readonly lease: LeaseTerms | undefined,
    /** Decisions recorded with its first batch, in the same write as its claim. */
    private readonly decisions: ReadonlyArray<Decision> = [],
    /** Every requirement of the run as stored, if known: see `Position.requirements`. */
    private known: ReadonlyArray<RequirementRecord> | undefined = undefined,
  ) {}

  /**
   * The writer of a root run, which leases it on `terms` from its first batch. `onClaimed` is
   * told when that batch is stored; `decisions` are stored with it.
   */
  static make = <D extends Runnable>(
    definition: D,
    { record, messages, lastSeq, requirements }: Position,
    store: RunStore,
    announcer: Announcer,
    terms: LeaseTerms,
    onClaimed?: Deferred.Deferred<void, RunFailure>,
    decisions?: ReadonlyArray<Decision>,
  ): RunWriter<D> =>
    new RunWriter(
      definition,
      rootOf(definition, record),
      undefined,
      record,
      [...messages],
      messages.length,
      lastSeq,
      store,
      announcer,
      onClaimed,
      terms,
      decisions,
      requirements,
    )

  /** The writer of a run working for this one (a member's), under the same root. */
  child = <C extends Actor>(definition: C, { record, messages, lastSeq }: Position): RunWriter<C> =>
    new RunWriter(
      definition,
      this.root,
      new Member({
        agentId: definition.id,
        agentName: definition.name,
        kind: definition.kind,
        runId: record.runId,
      }),
      record,
      [...messages],
      messages.length,
      lastSeq,
      this.store,
      this.announcer,
      undefined,
      undefined,
    )

  get run(): RunRecord {
    return this.record
  }

  /** The claim whose lease this writer holds until its stop, if it leases the run and has claimed it. */
  get leasedClaim(): number | undefined {
    return this.lease === undefined || this.stopped ? undefined : this.claimSeq
  }

  /** Whether this writer has stored the run's stop (set before the stop is published). */
  get hasStopped(): boolean {
    return this.stopped
  }

  /**
   * Every requirement of the run as stored, once this writer has stored its stop, if it knew
   * them when it began: those it began with and those its stops raised. Undefined when unknown
   * (a cancel's requirements lapse after its stop, for one).
   */
  get requirements(): ReadonlyArray<RequirementRecord> | undefined {
    return this.known
  }

  /**
   * The pause this writer stored, copied before it was published, if it is a root run's and the
   * writer knew every requirement of the run: what its engine may continue it from.
   */
  get heldPause(): HeldPause | undefined {
    return this.pause
  }

  /** Whether this writer has stored a batch yet: its first is its claim. */
  get hasClaimed(): boolean {
    return this.claimed
  }

  /** Numbers an event and keeps it for the next batch: it is published once stored. */
  emit = (body: RunEventBody): Effect.Effect<RunEvent> =>
    Effect.clockWith((clock) =>
      Effect.sync(() => {
        const event = { ...body, seq: ++this.seq, at: clock.unsafeCurrentTimeMillis() } as RunEvent
        this.buffered.push(event)
        return event
      }),
    )

  /** A run's first event, and its input as the transcript's first message. */
  get begin(): Effect.Effect<void> {
    return Effect.map(
      this.emit({
        _tag: 'RunStarted',
        runId: this.record.runId,
        agentId: this.agent.id,
        input: this.record.input,
      }),
      () => this.append({ _tag: 'User', content: this.record.input }),
    )
  }

  append = (message: Message) => {
    this.messages.push(message)
  }

  /**
   * Creates the run with its first batch (what `begin` kept), in one write: its creation is its
   * claim. A taken run id writes nothing.
   */
  get create(): Effect.Effect<void, RunAlreadyExists | WriteError> {
    return this.write((batch) => this.store.createRun(this.record, batch))
  }

  /**
   * Stores the events kept so far with the transcript's new messages, then publishes them, and
   * goes on once the run's listeners have had their turn with them.
   */
  flush: Effect.Effect<void, WriteError> = Effect.suspend(() =>
    Effect.zipRight(
      this.write((batch) => this.store.appendBatch(batch)),
      this.announcer.letListenersHear(this.record.runId),
    ),
  )

  /**
   * Flushes what is kept within `delay`, off the run's fiber, unless a batch takes it first: the
   * output of a model that streams slowly is stored and published as it comes. A timer rather
   * than a fiber asleep: forking one cost each text turn 3.5% of a cycle's instructions.
   */
  flushWithin = (delay: Duration.Duration, background: Context.Tag.Service<Background>): void => {
    if (this.flushTimer !== undefined) return
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined
      // A failure is kept by the writer (`broken`): its next batch fails with it.
      this.flushing = background(Effect.ignore(this.flush))
    }, Duration.toMillis(delay))
  }

  /** Drops the flush set for later, and stops one under way: the turn that set it is over. */
  get cancelFlush(): Effect.Effect<void> {
    return Effect.suspend(() => {
      clearTimeout(this.flushTimer)
      this.flushTimer = undefined
      const flushing = this.flushing
      this.flushing = undefined
      return flushing === undefined ? Effect.void : Fiber.interrupt(flushing)
    })
  }

  /**
   * Commits a stop (pause or ending): its event ends a batch stored with the requirements it
   * raises and the run's new record, all or nothing, and only then is anything published.
   */
  commit = (
    body: RunEventBody,
    changes: Partial<Omit<RunRecord, 'runId' | 'schemaVersion'>>,
    requirements: ReadonlyArray<RequirementRecord> = [],
  ): Effect.Effect<void, WriteError> => this.stop(body, changes, requirements, Effect.void)

  /**
   * Commits the run's cancellation, then cancels the runs working for it, at any depth, and only
   * then publishes: whoever hears that the run was cancelled finds them cancelled too, as well
   * as whatever `settle` does (the requirements of a cancelled pause lapsing, say).
   */
  cancel = ({
    reason,
    content,
    settle = Effect.void,
  }: {
    readonly reason?: string
    readonly content?: string
    readonly settle?: Effect.Effect<void, StoreError>
  } = {}): Effect.Effect<void, WriteError> => {
    // What `settle` makes of the requirements is the store's to say.
    this.known = undefined
    return this.stop(
      { _tag: 'RunCancelled', runId: this.record.runId, ...(reason === undefined ? {} : { reason }) },
      { status: 'cancelled', pendingRequirementIds: [], ...(content === undefined ? {} : { content }) },
      [],
      Effect.zipRight(settle, this.cancelMembers),
    )
  }

  /** Adds a model turn's cost to the run's, stored with its next stop. */
  spent(usage: Usage.Usage): void {
    const before = this.record.usage
    this.record = revise(this.record, { usage: before === undefined ? usage : Usage.add(before, usage) })
  }

  /** Counts the decisions the run goes on after, stored with its next stop. */
  tally(decided: ReadonlyArray<RequirementRecord>): void {
    const decisions = withDecisions(this.record.decisions, decided)
    if (decisions !== this.record.decisions) this.record = revise(this.record, { decisions })
  }

  private stop = (
    body: RunEventBody,
    changes: Partial<Omit<RunRecord, 'runId' | 'schemaVersion'>>,
    requirements: ReadonlyArray<RequirementRecord>,
    settle: Effect.Effect<void, StoreError>,
  ): Effect.Effect<void, WriteError> => Effect.gen(() => this.stopSteps(body, changes, requirements, settle))

  // A generator method, one function for every writer: a generator function made per call gives
  // each call's generator objects a shape of their own, which V8 must make, and forget.
  private *stopSteps(
    body: RunEventBody,
    changes: Partial<Omit<RunRecord, 'runId' | 'schemaVersion'>>,
    requirements: ReadonlyArray<RequirementRecord>,
    settle: Effect.Effect<void, StoreError>,
  ): Steps<WriteError> {
    yield* this.emit(body)
    const record = revise(this.record, {
      ...changes,
      transcriptLength: this.messages.length,
      lastSeq: this.seq,
      updatedAt: yield* Clock.currentTimeMillis,
    })
    const known = this.known === undefined ? undefined : [...this.known, ...requirements]
    const pause =
      record.status === 'paused' && known !== undefined && this.member === undefined
        ? heldPauseOf(record, this.messages, known)
        : undefined
    yield* this.write((batch) => this.store.commit(batch, record, requirements), settle, true)
    this.record = record
    this.known = known
    this.pause = pause
  }

  /**
   * Renews the writer's lease for another term, between its batches (`LeaseKeeper` asks every
   * `renewEvery` while it works): a renewal never overlaps a batch, so none comes after the stop
   * that ends the lease, nor after `endLease`. A renewal that fails is tried again at the next
   * interval: the lease is only a sign of life, and a writer taken over meanwhile is stopped at
   * its next batch.
   */
  get renewal(): Effect.Effect<void> {
    const terms = this.lease
    if (terms === undefined) return Effect.void
    return this.writeLease((now) => now + Duration.toMillis(terms.duration))
  }

  /**
   * Ends the writer's lease now, for a writer stopped without a stop of the run (its engine
   * closing): the run is interrupted at once, rather than when the lease would have lapsed.
   */
  get endLease(): Effect.Effect<void> {
    return this.writeLease((now) => now, true)
  }

  /**
   * Writes the lease of the writer's claim to last until `until(now)`, unless it has none or it
   * ended; `ends` it for good, under the same lock, so that no renewal waiting for it follows.
   */
  private writeLease = (until: (now: number) => number, ends = false): Effect.Effect<void> =>
    this.lock.alone(
      Effect.suspend(() => {
        const claimSeq = this.claimSeq
        if (
          this.lease === undefined ||
          claimSeq === undefined ||
          this.stopped ||
          this.leaseEnded ||
          this.broken !== undefined
        )
          return Effect.void
        this.leaseEnded ||= ends
        return Effect.flatMap(Clock.currentTimeMillis, (now) =>
          this.store.renewLease({ runId: this.record.runId, claimSeq, expiresAt: until(now) }),
        )
      }).pipe(
        // Only a sign of life: the next renewal tries again, and the claim keeps the run safe meanwhile.
        Effect.catchAll((error) => Effect.logWarning('a run lease was not written', error)),
      ),
    )

  /**
   * Cancels the runs working for this one (each announced in its journal by MemberRunStarted),
   * taking each over like any writer: one that another writer holds is left to it.
   */
  private get cancelMembers(): Effect.Effect<void, StoreError> {
    return Effect.gen(this, function* () {
      for (const event of yield* this.store.readEvents(this.record.runId, 0)) {
        if (event._tag !== 'MemberRunStarted') continue
        const found = yield* this.store.getRun(event.memberRunId)
        if (Option.isNone(found) || isFinal(found.value.status)) continue
        const record = found.value
        const since = yield* this.store.readEvents(record.runId, record.lastSeq)
        const messages = yield* this.store.readTranscript(record.runId)
        // Only the stop is written: this run's definition serves as well as the member's.
        const member = new RunWriter(
          this.agent,
          this.root,
          undefined,
          revise(record, { epoch: record.epoch + 1 }),
          [...messages],
          messages.length,
          since.at(-1)?.seq ?? record.lastSeq,
          this.store,
          this.announcer,
          undefined,
          undefined,
        )
        yield* member.cancel().pipe(Effect.catchTag('RunClaimed', () => Effect.void))
      }
    })
  }

  /**
   * One batch at a time, in order, each published once stored and `settle` is done. A refused
   * batch (its sequence number taken, or a decision of its claim lost) means another writer
   * holds the run: RunClaimed.
   */
  private write = <E>(
    store: (batch: JournalBatch) => Effect.Effect<void, BatchRefused | E>,
    settle: Effect.Effect<void, StoreError> = Effect.void,
    isStop = false,
  ): Effect.Effect<void, WriteError | Exclude<E, BatchRefused>> =>
    this.lock.alone(Effect.gen(() => this.writeSteps(store, settle, isStop)))

  // A generator method, as `stopSteps` is.
  private *writeSteps<E>(
    store: (batch: JournalBatch) => Effect.Effect<void, BatchRefused | E>,
    settle: Effect.Effect<void, StoreError>,
    isStop: boolean,
  ): Steps<WriteError | Exclude<E, BatchRefused>> {
    if (this.broken !== undefined) return yield* this.broken
    const events = this.buffered
    if (events.length === 0) return
    this.buffered = []
    clearTimeout(this.flushTimer)
    this.flushTimer = undefined
    const claimSeq = this.claimSeq ?? events[0]!.seq
    const now = yield* Clock.currentTimeMillis
    // A claim carries the lease it takes; a stop, the lease it ends.
    const lease =
      this.lease === undefined || (this.claimed && !isStop)
        ? undefined
        : isStop
          ? { runId: this.record.runId, claimSeq, expiresAt: now }
          : leaseFrom(this.record.runId, claimSeq, this.lease, now)
    const batch: JournalBatch = {
      runId: this.record.runId,
      events,
      transcriptStart: this.stored,
      messages: this.messages.slice(this.stored),
      ...(lease === undefined ? {} : { lease }),
      ...(this.claimed || this.decisions.length === 0 ? {} : { decisions: this.decisions }),
    }
    yield* Effect.catchAll(store(batch), (error) => {
      const failure = isRefusal(error)
        ? new RunClaimed({ runId: this.record.runId, epoch: this.record.epoch })
        : (error as Exclude<E, BatchRefused>)
      // What was written is unknown, or another writer holds the run: nothing more may be.
      this.broken =
        failure instanceof StoreError || failure instanceof RunClaimed
          ? failure
          : new RunClaimed({ runId: this.record.runId, epoch: this.record.epoch })
      return Effect.fail(failure)
    })
    if (!this.claimed && this.onClaimed !== undefined) yield* Deferred.succeed(this.onClaimed, undefined)
    this.claimed = true
    this.claimSeq = claimSeq
    this.stored = batch.transcriptStart + batch.messages.length
    // Before publishing: whoever hears of the stop finds this writer stopped.
    if (isStop) this.stopped = true
    // Stored is stored: its events are heard even if what settles it failed.
    yield* Effect.ensuring(settle, this.announcer.publishAll(events))
  }
}

/** The steps of an `Effect.gen`, as a generator method of the writer takes them. */
type Steps<E> = Generator<YieldWrap<Effect.Effect<unknown, E>>, void, never>

const refusals: ReadonlySet<unknown> = new Set<BatchRefused['_tag']>([
  'EventSequenceConflict',
  'RequirementAlreadyResolved',
  'RequirementNotFound',
])

const isRefusal = (error: unknown): error is BatchRefused =>
  typeof error === 'object' && error !== null && '_tag' in error && refusals.has(error._tag)
