import { Schema } from 'effect'
import { Principal } from './Principal.js'

export const RunStatus = Schema.Literal('running', 'paused', 'completed', 'failed', 'cancelled')
export type RunStatus = typeof RunStatus.Type

/** Statuses a run never leaves. */
export const isFinal = (status: RunStatus) =>
  status === 'completed' || status === 'failed' || status === 'cancelled'

/**
 * The run's own record: small and of bounded size whatever the history (the transcript and the
 * events live beside it). Writing it is the commit point of a pause or an ending: transcript
 * entries past `transcriptLength` are an unfinished write, ignored and overwritten; `lastSeq` is
 * the run's last event as of that commit (events are stored as they happen, so a run that is
 * still working has stored events past it).
 */
export class RunRecord extends Schema.Class<RunRecord>('RunRecord')({
  schemaVersion: Schema.Literal(1),
  runId: Schema.NonEmptyString,
  agentId: Schema.NonEmptyString,
  sessionId: Schema.optional(Schema.String),
  userId: Schema.optional(Schema.String),
  principal: Principal,
  status: RunStatus,
  /** Bumped by every claim: the holder of (runId, epoch) is the run's only writer. */
  epoch: Schema.Int,
  input: Schema.String,
  content: Schema.String,
  error: Schema.optional(Schema.String),
  transcriptLength: Schema.Int,
  lastSeq: Schema.Int,
  /** The requirements of the current pause; empty unless paused. */
  pendingRequirementIds: Schema.Array(Schema.String),
  createdAt: Schema.Number,
  updatedAt: Schema.Number,
}) {}
