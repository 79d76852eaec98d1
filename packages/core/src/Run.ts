import { Schema } from 'effect'
import { Usage } from './Usage.js'
import type { PageTotal } from './PageTotal.js'
import { Principal } from './Principal.js'
import { checkedOnce } from './internal/checkedOnce.js'

export const RunStatus = Schema.Literal('running', 'paused', 'completed', 'failed', 'cancelled')
export type RunStatus = typeof RunStatus.Type

/** What a run runs: an agent, a team (a leader delegating to members), or a workflow of steps. */
export const RunKind = Schema.Literal('agent', 'team', 'workflow')
export type RunKind = typeof RunKind.Type

/** Statuses a run never leaves. */
export const isFinal = (status: RunStatus) =>
  status === 'completed' || status === 'failed' || status === 'cancelled'

/**
 * How the decisions on a run's calls went, counted when the run goes on after them: each decision
 * once, in one of these. `edited` are approvals with changed arguments (not also `approved`);
 * `expired`, requirements whose deadline passed undecided. Decisions that are not yes or no (a
 * form's answers, a reviewed output) are not counted.
 */
export const RunDecisions = Schema.Struct({
  approved: Schema.NonNegativeInt,
  edited: Schema.NonNegativeInt,
  rejected: Schema.NonNegativeInt,
  expired: Schema.NonNegativeInt,
})
export type RunDecisions = typeof RunDecisions.Type

/**
 * The run's own record: small and of bounded size whatever the history (the transcript and the
 * events live in the run's journal beside it). It is the state as of the run's last stop (pause
 * or ending), committed with it: `lastSeq` and `transcriptLength` say how far the journal went
 * then. A run that has stored events past `lastSeq` has been claimed since: a writer is working
 * on it, or died doing so (see `recoverRun`).
 */
export class RunRecord extends Schema.Class<RunRecord>('RunRecord')({
  schemaVersion: Schema.Literal(1),
  runId: Schema.NonEmptyString,
  /** The id of the agent, team or workflow it runs. */
  agentId: Schema.NonEmptyString,
  /** Absent on runs stored before teams: those are agents' runs. */
  kind: Schema.optional(RunKind),
  /**
   * Set on the run of a team's member or a workflow step's agent: the run it works for. Such a
   * run is continued and cancelled through its root run only, which holds its requirements.
   */
  parentRunId: Schema.optional(Schema.NonEmptyString),
  sessionId: Schema.optional(Schema.String),
  userId: Schema.optional(Schema.String),
  principal: Principal,
  status: RunStatus,
  /** How many times the run was taken up again since it started (continued, recovered): its writer's number. */
  epoch: Schema.Int,
  input: Schema.String,
  content: Schema.String,
  error: Schema.optional(Schema.String),
  transcriptLength: Schema.Int,
  lastSeq: Schema.Int,
  /** The requirements of the current pause; empty unless paused. */
  pendingRequirementIds: Schema.Array(Schema.String),
  /** What its model turns cost so far, summed (absent until a model says). */
  usage: Schema.optional(Usage),
  /** How its decisions went so far (absent until one is counted, and on runs stored before). */
  decisions: Schema.optional(RunDecisions),
  createdAt: Schema.Number,
  updatedAt: Schema.Number,
}) {
  constructor(props: Schema.Struct.Constructor<typeof RunRecord.fields>, options?: boolean) {
    super(checkRunRecord(props, options), true)
  }
}

const checkRunRecord = checkedOnce('RunRecord', RunRecord.fields)

/** The longest text `RunFilter.search` takes: a search, not a document. */
export const maxRunSearchLength = 200

/** Which runs `RunStore.listRuns` answers; it lists root runs only (a member's run is part of its root's). */
export const RunFilter = Schema.Struct({
  /** The user the run is for. */
  userId: Schema.optional(Schema.String),
  status: Schema.optional(RunStatus),
  /** The agent, team or workflow it runs. */
  agentId: Schema.optional(Schema.String),
  /**
   * Only runs interrupted at this time (epoch milliseconds): being worked on (claimed since their
   * last stop, or never stopped) with no live lease (see `RunLease`). Their writer died, or stalled
   * past its lease; `recoverRun` and `cancelRun` take them over.
   */
  interruptedAt: Schema.optional(Schema.Number),
  /**
   * Text to find, ignoring case (of the letters A to Z in every store): a prefix of the run's id,
   * its agent's id, or part of its input or its answer (`content`). Taken literally: `%`, `_`
   * and `.*` are only characters.
   */
  search: Schema.optional(
    Schema.String.pipe(Schema.minLength(1), Schema.maxLength(maxRunSearchLength)).annotations({
      identifier: 'RunSearch',
    }),
  ),
})
export type RunFilter = typeof RunFilter.Type

/**
 * The sign that a run's writer is alive. A writer leases the run from its claim (its first batch,
 * or the run's creation) and renews the lease while it works; its stop ends it. The lease is a
 * liveness signal only: the claim (a sequence number taken once) is what makes the writer the
 * only one, so a writer whose lease lapsed while it was alive is still stopped at its next write.
 */
export interface RunLease {
  readonly runId: string
  /** The writer's claim: the sequence number of the first event it stores (1 for a new run's writer). */
  readonly claimSeq: number
  /** Until when it holds, unless renewed (epoch milliseconds). */
  readonly expiresAt: number
}

/** Whether a run that stopped as `record` is being worked on: claimed since, or never stopped. */
export const isWorking = (record: RunRecord, hasEventsSinceStop: boolean) =>
  !isFinal(record.status) && (record.status === 'running' || hasEventsSinceStop)

/** Whether `lease` is of a claim made since the run's last stop, and holds at `now`. */
export const holdsAt = (record: RunRecord, lease: RunLease | undefined, now: number) =>
  lease !== undefined && lease.claimSeq > record.lastSeq && lease.expiresAt > now

export const maxRunPageSize = 100

export const RunQuery = Schema.Struct({
  ...RunFilter.fields,
  offset: Schema.optionalWith(Schema.NonNegativeInt, { default: () => 0 }),
  limit: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, maxRunPageSize)), { default: () => 20 }),
})
export type RunQuery = typeof RunQuery.Type

/** A page of runs, and how many match (exactly, or at least: see `PageTotal`). */
export interface RunPage extends PageTotal {
  readonly runs: ReadonlyArray<RunRecord>
}

/**
 * A stored run with some of its fields changed, without checking it again: the engine derives
 * records from ones read through the Schema, with values its types hold to, and a check on every
 * step of every run would cost more than the step.
 */
export const revise = (
  run: RunRecord,
  changes: Partial<Omit<RunRecord, 'runId' | 'schemaVersion'>>,
): RunRecord => new RunRecord({ ...run, ...changes }, true)

/** The record of a run about to start: nothing done yet. */
export const starting = (run: {
  readonly runId: string
  readonly definition: { readonly id: string; readonly kind: RunKind }
  readonly input: string
  readonly principal: Principal
  readonly sessionId?: string | undefined
  readonly userId?: string | undefined
  readonly parentRunId?: string | undefined
  readonly now: number
}) =>
  new RunRecord({
    schemaVersion: 1,
    runId: run.runId,
    agentId: run.definition.id,
    kind: run.definition.kind,
    ...(run.parentRunId === undefined ? {} : { parentRunId: run.parentRunId }),
    ...(run.sessionId === undefined ? {} : { sessionId: run.sessionId }),
    ...(run.userId === undefined ? {} : { userId: run.userId }),
    principal: run.principal,
    status: 'running',
    epoch: 0,
    input: run.input,
    content: '',
    transcriptLength: 0,
    lastSeq: 0,
    pendingRequirementIds: [],
    createdAt: run.now,
    updatedAt: run.now,
  })
