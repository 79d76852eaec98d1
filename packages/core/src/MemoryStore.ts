import { Effect, Either, Layer, Option } from 'effect'
import * as Approval from './Approval.js'
import { ApprovalChange, ApprovalRecord } from './Approval.js'
import { FollowUp } from './FollowUp.js'
import * as Outbox from './Outbox.js'
import { Delivery } from './Outbox.js'
import {
  EventSequenceConflict,
  GrantInactive,
  GrantNotFound,
  RequirementAlreadyResolved,
  RequirementNotFound,
  RunAlreadyExists,
  type StoreError,
} from './Errors.js'
import { Grant, statusOf as grantStatus } from './Grant.js'
import { Message } from './Message.js'
import { pageOf } from './PageTotal.js'
import { RequirementRecord, type Resolution } from './Requirement.js'
import { holdsAt, isWorking, type RunLease, RunRecord } from './Run.js'
import { RunEvent } from './RunEvent.js'
import { type BatchRefused, type JournalBatch, RunStore, type SweeperLease } from './RunStore.js'
import * as EventLog from './internal/eventLog.js'
import { jsonText } from './internal/jsonText.js'

const runs = jsonText(RunRecord, 'run', 'engine')
const messages = jsonText(Message, 'transcript', 'engine')
const requirements = jsonText(RequirementRecord, 'requirement', 'engine')
const events = jsonText(RunEvent, 'event', 'engine')
const approvals = jsonText(ApprovalRecord, 'approval')
const grants = jsonText(Grant, 'grant')
const changes = jsonText(ApprovalChange, 'approval change')
const deliveries = jsonText(Delivery, 'delivery')
const followUps = jsonText(FollowUp, 'follow-up')

/** The longest of a run's arrays cut to its length when the run stops (see `settle`). */
const settledLength = 64

/** Whether an approval matches every field the filter gives. */
const matchesFilter = (approval: ApprovalRecord, filter: Approval.ApprovalFilter) =>
  (filter.status === undefined || approval.status === filter.status) &&
  (filter.type === undefined || approval.type === filter.type) &&
  (filter.sourceId === undefined || approval.source.id === filter.sourceId) &&
  (filter.userId === undefined || approval.userId === filter.userId) &&
  (filter.toolName === undefined || approval.toolName === filter.toolName) &&
  (filter.runId === undefined || approval.runId === filter.runId) &&
  (filter.sessionId === undefined || approval.sessionId === filter.sessionId) &&
  (filter.grantId === undefined || approval.grantId === filter.grantId) &&
  (filter.createdFrom === undefined || approval.createdAt >= filter.createdFrom) &&
  (filter.createdTo === undefined || approval.createdAt < filter.createdTo)

/** Newest first, then by id: the order every store lists approvals in. */
const newestFirst = (a: ApprovalRecord, b: ApprovalRecord) =>
  b.createdAt - a.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

/** Whether `search` finds the run (see `RunFilter.search`). */
const isFoundBy = (run: RunRecord, search: string) => {
  const text = search.toLowerCase()
  return (
    run.runId.toLowerCase().startsWith(text) ||
    [run.agentId, run.input, run.content].some((field) => field.toLowerCase().includes(text))
  )
}

/** A store in this process's memory: for tests and throwaway scripts. Share one value between agents to share runs. */
export const make = (): RunStore => {
  const runTable = new Map<string, unknown>()
  const transcripts = new Map<string, Array<unknown>>()
  const requirementTable = new Map<string, unknown>()
  const requirementsByRun = new Map<string, Array<string>>()
  const eventTable = new Map<string, EventLog.EventLog>()
  /** The batches of events appended so far: the events' mark. */
  let appendedBatches = 0
  // Approvals decided when written; the others are read from their requirements.
  const recordedApprovals = new Map<string, unknown>()
  const approvalRequirements = new Set<string>()
  const grantTable = new Map<string, unknown>()
  // Each run's leases, by claim.
  const leaseTable = new Map<string, Map<number, RunLease>>()
  // The queue's journal: change n at index n - 1.
  const changeJournal: Array<unknown> = []
  // The outbox, in the order written, and the leases of claimed deliveries (until when).
  const outbox = new Map<string, unknown>()
  const deliveryLeases = new Map<string, number>()
  // Reminders and escalations, by `requirementId:step`, in the order recorded.
  const followUpTable = new Map<string, unknown>()

  /** Deliveries with their texts, or the StoreError of the first refused: made before anything is written. */
  const outboxTexts = (
    operation: string,
    written: ReadonlyArray<Delivery> = [],
  ): Either.Either<Array<readonly [Delivery, string]>, StoreError> =>
    Either.map(deliveries.allWritten(operation, written), (texts) =>
      texts.map((text, index) => [written[index]!, text] as const),
    )

  /** Puts deliveries into the outbox; one whose id is there already is left as it is. */
  const enqueue = (written: ReadonlyArray<readonly [Delivery, string]>) => {
    for (const [delivery, text] of written) if (!outbox.has(delivery.id)) outbox.set(delivery.id, text)
  }
  let sweeperLease: SweeperLease | undefined

  const eventsAfter = (runId: string, afterSeq: number) => {
    const log = eventTable.get(runId)
    return log === undefined ? [] : EventLog.textsAfter(log, afterSeq).map((text) => events.decode(text))
  }

  /**
   * The texts of the changes `changed` makes to the approval queue, numbered after the journal's,
   * or the StoreError of the first refused. Made unchecked: the text is checked as it is made.
   */
  const changeTexts = (
    operation: string,
    changed: ReadonlyArray<ApprovalRecord>,
  ): Either.Either<Array<string>, StoreError> =>
    changes.allWritten(
      operation,
      changed.map(
        (approval, index) =>
          new ApprovalChange({ seq: changeJournal.length + index + 1, ...Approval.changeOf(approval) }, true),
      ),
    )

  /** Every approval as it stands, with its run's current status. */
  const allApprovals = (): Array<ApprovalRecord> => {
    const current = (approval: ApprovalRecord) => {
      const run = runTable.get(approval.runId)
      return run === undefined
        ? approval
        : new ApprovalRecord({ ...approval, runStatus: runs.decode(run).status })
    }
    return [
      ...[...approvalRequirements].map((id) => {
        const requirement = requirements.decode(requirementTable.get(id))
        return Approval.fromRequirement(requirement, runs.decode(runTable.get(requirement.runId)))
      }),
      ...[...recordedApprovals.values()].map((stored) => current(approvals.decode(stored))),
    ]
  }

  const findApprovals = (filter: Approval.ApprovalFilter) =>
    allApprovals()
      .filter((approval) => matchesFilter(approval, filter))
      .sort(newestFirst)

  const decodeGrant = (grantId: string) =>
    Option.map(Option.fromNullable(grantTable.get(grantId)), grants.decode)

  /** The grant if it can be used or revoked now. */
  const activeGrant = (grantId: string) =>
    Effect.suspend((): Effect.Effect<Grant, GrantNotFound | GrantInactive> => {
      const grant = decodeGrant(grantId)
      if (Option.isNone(grant)) return Effect.fail(new GrantNotFound({ grantId }))
      const status = grantStatus(grant.value)
      return status === 'active'
        ? Effect.succeed(grant.value)
        : Effect.fail(new GrantInactive({ grantId, status }))
    })

  const decodeRequirement = (runId: string, requirementId: string) => {
    const stored = requirementTable.get(requirementId)
    if (stored === undefined) return Option.none()
    const requirement = requirements.decode(stored)
    return requirement.runId === runId ? Option.some(requirement) : Option.none()
  }

  const putLease = (lease: RunLease) => {
    const leases = leaseTable.get(lease.runId) ?? new Map<number, RunLease>()
    leases.set(lease.claimSeq, { runId: lease.runId, claimSeq: lease.claimSeq, expiresAt: lease.expiresAt })
    leaseTable.set(lease.runId, leases)
  }

  const latestLease = (runId: string): RunLease | undefined =>
    [...(leaseTable.get(runId)?.values() ?? [])].reduce<RunLease | undefined>(
      (latest, lease) => (latest === undefined || lease.claimSeq > latest.claimSeq ? lease : latest),
      undefined,
    )

  const isInterrupted = (run: RunRecord, now: number) =>
    isWorking(run, EventLog.has(eventTable.get(run.runId), run.lastSeq + 1)) &&
    !holdsAt(run, latestLease(run.runId), now)

  /**
   * The decision on a pending requirement of the run, or why there is none: nothing is written
   * yet. An Either, which is also an Effect: a batch's checks run without a fiber's steps.
   */
  const decide = (
    runId: string,
    requirementId: string,
    resolution: Resolution,
  ): Either.Either<RequirementRecord, RequirementNotFound | RequirementAlreadyResolved> => {
    const found = decodeRequirement(runId, requirementId)
    if (Option.isNone(found)) return Either.left(new RequirementNotFound({ runId, requirementId }))
    if (found.value.status !== 'pending')
      return Either.left(new RequirementAlreadyResolved({ requirementId }))
    // Made of a stored record and a Resolution, each checked already; storing it checks it against its Schema.
    return Either.right(new RequirementRecord({ ...found.value, status: 'resolved', resolution }, true))
  }

  /** The approval a decision decides, if it is of one, with its run's status as stored. */
  const decidedApproval = (resolved: RequirementRecord): ReadonlyArray<ApprovalRecord> =>
    resolved.kind === Approval.kind
      ? [Approval.fromRequirement(resolved, runs.decode(runTable.get(resolved.runId)))]
      : []

  /** The texts of what a batch writes, each made before anything is written. */
  interface BatchTexts {
    readonly decided: ReadonlyArray<string>
    readonly events: ReadonlyArray<string>
    readonly messages: ReadonlyArray<string>
    /** The decisions' deliveries. */
    readonly outbox: ReadonlyArray<readonly [Delivery, string]>
  }

  const textsOf = (
    operation: string,
    batch: JournalBatch,
    decided: ReadonlyArray<RequirementRecord>,
  ): Either.Either<BatchTexts, StoreError> =>
    Either.all({
      decided: requirements.allWritten(operation, decided),
      events: events.allWritten(operation, batch.events),
      messages: messages.allWritten(operation, batch.messages),
      outbox: outboxTexts(
        operation,
        decided.flatMap((_, index) => batch.decisions?.[index]?.deliveries ?? []),
      ),
    })

  /** Writes a batch that passed its checks, with the decisions it carries, made already. */
  const append = (
    batch: JournalBatch,
    log: EventLog.EventLog,
    decided: ReadonlyArray<RequirementRecord>,
    texts: BatchTexts,
  ) => {
    decided.forEach((resolved, index) => requirementTable.set(resolved.id, texts.decided[index]!))
    enqueue(texts.outbox)
    batch.events.forEach((event, index) => EventLog.put(log, event.seq, texts.events[index]!))
    eventTable.set(batch.runId, log)
    appendedBatches++
    if (batch.lease !== undefined) putLease(batch.lease)
    const transcript = transcripts.get(batch.runId) ?? []
    texts.messages.forEach((text, offset) => (transcript[batch.transcriptStart + offset] = text))
    transcripts.set(batch.runId, transcript)
  }

  /**
   * A run committed at a stop grows no more until it is taken up again: its arrays are cut to
   * their length. An array grows by half as much again and 16 more to take more: most of a short
   * run's arrays is room. A long run's room is a small part of what it holds, and copying it at
   * every stop would make a cycle cost more the longer the run, so it keeps it.
   */
  const settle = (runId: string) => {
    const log = eventTable.get(runId)
    if (log !== undefined && log.seqs.length <= settledLength) EventLog.settle(log)
    const transcript = transcripts.get(runId)
    if (transcript !== undefined && transcript.length <= settledLength)
      transcripts.set(runId, transcript.slice())
    const ids = requirementsByRun.get(runId)
    if (ids !== undefined && ids.length <= settledLength) requirementsByRun.set(runId, ids.slice())
  }

  /**
   * Checks a batch can be appended, its decisions first, and returns how to append it: nothing
   * is written until every check has passed and every text is made. The queue's changes are
   * journaled with it: those of the approvals its decisions decide, then `alsoChanged`, those of
   * the rest of the write.
   */
  const prepare = (
    operation: string,
    batch: JournalBatch,
    alsoChanged: ReadonlyArray<ApprovalRecord> = [],
  ): Either.Either<() => void, BatchRefused | StoreError> =>
    Either.flatMap(
      Either.all(
        (batch.decisions ?? []).map(({ requirementId, resolution }) =>
          decide(batch.runId, requirementId, resolution),
        ),
      ),
      (decided): Either.Either<() => void, BatchRefused | StoreError> => {
        const log = eventTable.get(batch.runId) ?? EventLog.empty()
        const first = batch.events[0]
        return first !== undefined && EventLog.has(log, first.seq)
          ? Either.left(new EventSequenceConflict({ runId: batch.runId, seq: first.seq }))
          : Either.map(
              Either.all([
                textsOf(operation, batch, decided),
                changeTexts(operation, [...decided.flatMap(decidedApproval), ...alsoChanged]),
              ]),
              ([texts, changed]) =>
                () => {
                  append(batch, log, decided, texts)
                  changeJournal.push(...changed)
                },
            )
      },
    )

  return {
    createRun: (run, first) =>
      Effect.suspend((): Effect.Effect<void, RunAlreadyExists | BatchRefused | StoreError> => {
        if (runTable.has(run.runId)) return Effect.fail(new RunAlreadyExists({ runId: run.runId }))
        return Either.flatMap(runs.written('createRun', run), (text) =>
          Either.map(first === undefined ? Either.right(() => {}) : prepare('createRun', first), (write) => {
            runTable.set(run.runId, text)
            write()
          }),
        )
      }),
    getRun: (runId) =>
      Effect.sync(() => Option.fromNullable(runTable.get(runId)).pipe(Option.map(runs.decode))),

    appendBatch: (batch) =>
      Effect.suspend(() => Either.map(prepare('appendBatch', batch), (write) => write())),
    commit: (batch, run, raised, notifications) =>
      Effect.suspend(() =>
        Either.map(
          Either.all([
            prepare(
              'commit',
              batch,
              raised.flatMap((requirement) =>
                requirement.kind === Approval.kind ? [Approval.fromRequirement(requirement, run)] : [],
              ),
            ),
            requirements.allWritten('commit', raised),
            runs.written('commit', run),
            outboxTexts('commit', notifications),
          ]),
          ([write, raisedTexts, runText, outboxed]) => {
            write()
            enqueue(outboxed)
            raised.forEach((requirement, index) => {
              requirementTable.set(requirement.id, raisedTexts[index]!)
              if (requirement.kind === Approval.kind) approvalRequirements.add(requirement.id)
              const ids = requirementsByRun.get(requirement.runId) ?? []
              if (!ids.includes(requirement.id)) ids.push(requirement.id)
              requirementsByRun.set(requirement.runId, ids)
            })
            runTable.set(run.runId, runText)
            leaseTable.delete(run.runId)
            settle(run.runId)
          },
        ),
      ),
    renewLease: (lease) => Effect.sync(() => putLease(lease)),
    holdSweeperLease: (lease, now) =>
      Effect.sync(() => {
        const free =
          sweeperLease === undefined || sweeperLease.expiresAt <= now || sweeperLease.holder === lease.holder
        if (free) sweeperLease = { holder: lease.holder, expiresAt: lease.expiresAt }
        return free
      }),
    getLease: (runId) => Effect.sync(() => Option.fromNullable(latestLease(runId))),

    readEvents: (runId, afterSeq) => Effect.sync(() => eventsAfter(runId, afterSeq)),
    readEventsOfRuns: (cursors, limit) =>
      Effect.sync(() =>
        cursors.flatMap(({ runId, afterSeq }) => eventsAfter(runId, afterSeq)).slice(0, Math.max(0, limit)),
      ),
    eventsMark: () => Effect.sync(() => ({ mark: String(appendedBatches) })),
    readTranscript: (runId) =>
      Effect.sync(() => (transcripts.get(runId) ?? []).map((message) => messages.decode(message))),

    getRequirement: (runId, requirementId) => Effect.sync(() => decodeRequirement(runId, requirementId)),
    listRequirements: (runId) =>
      Effect.sync(() =>
        (requirementsByRun.get(runId) ?? []).map((id) => requirements.decode(requirementTable.get(id))),
      ),
    resolveRequirement: (runId, requirementId, resolution, notifications) =>
      Effect.suspend(() =>
        Either.flatMap(decide(runId, requirementId, resolution), (resolved) =>
          Either.map(
            Either.all([
              requirements.written('resolveRequirement', resolved),
              outboxTexts('resolveRequirement', notifications),
              changeTexts('resolveRequirement', decidedApproval(resolved)),
            ]),
            ([text, outboxed, changed]) => {
              requirementTable.set(resolved.id, text)
              enqueue(outboxed)
              changeJournal.push(...changed)
              return resolved
            },
          ),
        ),
      ),
    listExpired: (now, limit) =>
      Effect.sync(() =>
        [...requirementTable.values()]
          .map(requirements.decode)
          .filter(
            (requirement) =>
              requirement.status === 'pending' &&
              requirement.expiresAt !== undefined &&
              requirement.expiresAt <= now &&
              runs.decode(runTable.get(requirement.runId)).status === 'paused',
          )
          .sort((a, b) => a.expiresAt! - b.expiresAt!)
          .slice(0, limit),
      ),

    listRuns: (query) =>
      Effect.sync(() => {
        const found = [...runTable.values()]
          .map(runs.decode)
          .filter(
            (run) =>
              run.parentRunId === undefined &&
              (query.userId === undefined || run.userId === query.userId) &&
              (query.status === undefined || run.status === query.status) &&
              (query.agentId === undefined || run.agentId === query.agentId) &&
              (query.interruptedAt === undefined || isInterrupted(run, query.interruptedAt)) &&
              (query.search === undefined || isFoundBy(run, query.search)),
          )
          .sort((a, b) => b.createdAt - a.createdAt || (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0))
        const { items, ...total } = pageOf(found, query)
        return { runs: items, ...total }
      }),

    listApprovals: (query) =>
      Effect.sync(() => {
        const { items, ...total } = pageOf(findApprovals(query), query)
        return { approvals: items, ...total }
      }),
    countApprovals: (filter) => Effect.sync(() => findApprovals(filter).length),
    getApproval: (approvalId) =>
      Effect.sync(() => Option.fromNullable(allApprovals().find((approval) => approval.id === approvalId))),
    recordApproval: (approval) =>
      Effect.suspend(() => {
        if (recordedApprovals.has(approval.id) || approvalRequirements.has(approval.id)) return Effect.void
        return Either.map(
          Either.all([
            approvals.written('recordApproval', approval),
            changeTexts('recordApproval', [approval]),
          ]),
          ([text, changed]) => {
            recordedApprovals.set(approval.id, text)
            changeJournal.push(...changed)
          },
        )
      }),
    readApprovalChanges: (afterSeq, limit) =>
      Effect.sync(() => {
        const from = Math.max(0, Math.floor(afterSeq))
        return changeJournal.slice(from, from + Math.max(0, limit)).map(changes.decode)
      }),
    lastApprovalChangeSeq: () => Effect.sync(() => changeJournal.length),

    createGrant: (grant) =>
      Effect.suspend(() =>
        Either.map(grants.written('createGrant', grant), (text) => void grantTable.set(grant.id, text)),
      ),
    getGrant: (grantId) => Effect.sync(() => decodeGrant(grantId)),
    listGrants: (filter) =>
      Effect.sync(() =>
        [...grantTable.values()]
          .map(grants.decode)
          .filter(
            (grant) =>
              (filter.sessionId === undefined || grant.sessionId === filter.sessionId) &&
              (filter.sourceId === undefined || grant.sourceId === filter.sourceId) &&
              (filter.toolName === undefined || grant.toolName === filter.toolName) &&
              (filter.status === undefined || grantStatus(grant) === filter.status),
          )
          .sort((a, b) => b.grantedAt - a.grantedAt || (a.id < b.id ? -1 : 1)),
      ),
    revokeGrant: (grantId, revocation) =>
      Effect.flatMap(activeGrant(grantId), (grant) => {
        // Made unchecked: the text is checked as it is made.
        const revoked = new Grant({ ...grant, revocation }, true)
        return Either.map(grants.written('revokeGrant', revoked), (text) => {
          grantTable.set(grantId, text)
          return revoked
        })
      }),
    useGrant: (grantId, approval) =>
      Effect.flatMap(activeGrant(grantId), (grant) => {
        const used = new Grant({ ...grant, uses: grant.uses + 1 }, true)
        return Either.map(
          Either.all([
            grants.written('useGrant', used),
            approvals.written('useGrant', approval),
            changeTexts('useGrant', [approval]),
          ]),
          ([grantText, approvalText, changed]) => {
            grantTable.set(grantId, grantText)
            recordedApprovals.set(approval.id, approvalText)
            changeJournal.push(...changed)
            return used
          },
        )
      }),

    claimDeliveries: ({ now, leaseUntil, channels, limit }) =>
      Effect.suspend(() => {
        const due = [...outbox.values()]
          .map(deliveries.decode)
          .filter(
            (delivery) =>
              delivery.status === 'pending' &&
              delivery.nextAttemptAt <= now &&
              channels.includes(delivery.channel) &&
              (deliveryLeases.get(delivery.id) ?? -Infinity) <= now,
          )
          .sort((a, b) => a.nextAttemptAt - b.nextAttemptAt)
          .slice(0, Math.max(0, limit))
        const claimed = due.map(
          (delivery) => new Delivery({ ...delivery, attempts: delivery.attempts + 1 }, true),
        )
        return Either.map(outboxTexts('claimDeliveries', claimed), (outboxed) => {
          for (const [delivery, text] of outboxed) {
            outbox.set(delivery.id, text)
            deliveryLeases.set(delivery.id, leaseUntil)
          }
          return claimed
        })
      }),
    recordDelivery: (deliveryId, outcome) =>
      Effect.suspend(() => {
        const stored = outbox.get(deliveryId)
        if (stored === undefined) return Effect.void
        const delivery = deliveries.decode(stored)
        if (delivery.status !== 'pending') return Effect.void
        return Either.map(
          deliveries.written('recordDelivery', Outbox.afterAttempt(delivery, outcome)),
          (text) => {
            outbox.set(deliveryId, text)
            deliveryLeases.delete(deliveryId)
          },
        )
      }),
    recordFollowUp: (followUp, notifications) =>
      Effect.suspend(() => {
        const key = `${followUp.requirementId}:${followUp.step}`
        if (followUpTable.has(key)) return Effect.succeed(false)
        return Either.map(
          Either.all([
            followUps.written('recordFollowUp', followUp),
            outboxTexts('recordFollowUp', notifications),
          ]),
          ([text, outboxed]) => {
            followUpTable.set(key, text)
            enqueue(outboxed)
            return true
          },
        )
      }),
    listFollowUps: (requirementId) =>
      Effect.sync(() =>
        [...followUpTable.values()]
          .map(followUps.decode)
          .filter((followUp) => followUp.requirementId === requirementId),
      ),
    listDeliveries: (filter) =>
      Effect.sync(() =>
        [...outbox.values()]
          .map(deliveries.decode)
          .filter((delivery) => Outbox.matches(delivery, filter))
          .slice(0, filter.limit ?? Outbox.defaultListLimit),
      ),
  }
}

/** A fresh memory store as a layer. */
export const layer = Layer.sync(RunStore, make)
