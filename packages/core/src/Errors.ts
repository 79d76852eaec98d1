import { Schema } from 'effect'

/*
 * Every failure a caller can see is one of these tagged classes: match on `_tag` (or use
 * `instanceof`), never on message text. They are Schemas, so they cross the wire intact.
 */

export class RunNotFound extends Schema.TaggedError<RunNotFound>()('RunNotFound', {
  runId: Schema.String,
}) {
  override get message() {
    return `No run with id "${this.runId}".`
  }
}

export class RunNotContinuable extends Schema.TaggedError<RunNotContinuable>()('RunNotContinuable', {
  runId: Schema.String,
  status: Schema.String,
  /** Set when the run works for another one (a team's member): that run is the one to continue or cancel. */
  rootRunId: Schema.optional(Schema.String),
}) {
  override get message() {
    return this.rootRunId === undefined
      ? `Run "${this.runId}" is ${this.status}; only a paused run can be continued or resolved.`
      : `Run "${this.runId}" works for run "${this.rootRunId}"; continue or cancel that run instead.`
  }
}

export class RequirementsUnresolved extends Schema.TaggedError<RequirementsUnresolved>()(
  'RequirementsUnresolved',
  { runId: Schema.String, requirementIds: Schema.Array(Schema.String) },
) {
  override get message() {
    return `Run "${this.runId}" stays paused: requirements ${this.requirementIds.join(', ')} are unresolved.`
  }
}

export class RequirementNotFound extends Schema.TaggedError<RequirementNotFound>()('RequirementNotFound', {
  runId: Schema.String,
  requirementId: Schema.String,
}) {
  override get message() {
    return `Run "${this.runId}" has no requirement "${this.requirementId}".`
  }
}

export class RequirementAlreadyResolved extends Schema.TaggedError<RequirementAlreadyResolved>()(
  'RequirementAlreadyResolved',
  { requirementId: Schema.String },
) {
  override get message() {
    return `Requirement "${this.requirementId}" is already resolved.`
  }
}

export class ResolutionMethodMismatch extends Schema.TaggedError<ResolutionMethodMismatch>()(
  'ResolutionMethodMismatch',
  { requirementId: Schema.String, kind: Schema.String, method: Schema.String },
) {
  override get message() {
    return `Requirement "${this.requirementId}" is of kind "${this.kind}"; ${this.method} does not resolve it.`
  }
}

export class InvalidResolution extends Schema.TaggedError<InvalidResolution>()('InvalidResolution', {
  requirementId: Schema.String,
  kind: Schema.String,
  reason: Schema.String,
}) {
  override get message() {
    return `Invalid resolution for requirement "${this.requirementId}" (${this.kind}): ${this.reason}`
  }
}

export class NotAllowedToResolve extends Schema.TaggedError<NotAllowedToResolve>()('NotAllowedToResolve', {
  requirementId: Schema.String,
  principalId: Schema.String,
  reason: Schema.optional(Schema.String),
}) {
  override get message() {
    return `"${this.principalId}" may not resolve requirement "${this.requirementId}"${this.reason === undefined ? '.' : `: ${this.reason}`}`
  }
}

export class ApprovalNotFound extends Schema.TaggedError<ApprovalNotFound>()('ApprovalNotFound', {
  approvalId: Schema.String,
}) {
  override get message() {
    return `No approval with id "${this.approvalId}".`
  }
}

/** The approval was decided (or lapsed) before: its first ending stands. */
export class ApprovalAlreadyResolved extends Schema.TaggedError<ApprovalAlreadyResolved>()(
  'ApprovalAlreadyResolved',
  { approvalId: Schema.String, status: Schema.String },
) {
  override get message() {
    return `Approval "${this.approvalId}" is already ${this.status}.`
  }
}

/** The run waits for an approver: nobody else can move it on. */
export class ApprovalPending extends Schema.TaggedError<ApprovalPending>()('ApprovalPending', {
  runId: Schema.String,
  approvalIds: Schema.Array(Schema.String),
}) {
  override get message() {
    return `Run "${this.runId}" waits for approval ${this.approvalIds.join(', ')}; an approver must decide before it can continue.`
  }
}

export class GrantNotFound extends Schema.TaggedError<GrantNotFound>()('GrantNotFound', {
  grantId: Schema.String,
}) {
  override get message() {
    return `No grant with id "${this.grantId}".`
  }
}

/** The grant was revoked, or was for one call and has been used. */
export class GrantInactive extends Schema.TaggedError<GrantInactive>()('GrantInactive', {
  grantId: Schema.String,
  status: Schema.String,
}) {
  override get message() {
    return `Grant "${this.grantId}" is ${this.status}.`
  }
}

/** Another caller claimed the run first: it is resuming (or cancelling) it now. */
export class RunClaimed extends Schema.TaggedError<RunClaimed>()('RunClaimed', {
  runId: Schema.String,
  epoch: Schema.Number,
}) {
  override get message() {
    return `Run "${this.runId}" is held by another writer: a continue, cancel or recovery claimed it first (epoch ${this.epoch}).`
  }
}

/** The run is working in another engine: only the engine running it can stop it now. */
export class RunBusy extends Schema.TaggedError<RunBusy>()('RunBusy', {
  runId: Schema.String,
}) {
  override get message() {
    return `Run "${this.runId}" is working in another engine, whose lease on it holds; try again once it has paused or ended, or once the lease has lapsed.`
  }
}

/** The engine stopped (its agent was disposed) while the run was working. The run stays in the store. */
export class EngineStopped extends Schema.TaggedError<EngineStopped>()('EngineStopped', {
  runId: Schema.String,
}) {
  override get message() {
    return `The engine stopped while run "${this.runId}" was working.`
  }
}

export class RunAlreadyExists extends Schema.TaggedError<RunAlreadyExists>()('RunAlreadyExists', {
  runId: Schema.String,
}) {}

export class EventSequenceConflict extends Schema.TaggedError<EventSequenceConflict>()(
  'EventSequenceConflict',
  { runId: Schema.String, seq: Schema.Number },
) {
  override get message() {
    return `Run "${this.runId}" already has an event with sequence ${this.seq}: two writers raced.`
  }
}

/** A tool, toolkit or agent was declared wrongly. Raised when it is defined, not when it runs. */
export class DefinitionError extends Schema.TaggedError<DefinitionError>()('DefinitionError', {
  subject: Schema.String,
  reason: Schema.String,
}) {
  override get message() {
    return `${this.subject}: ${this.reason}`
  }
}

/**
 * The model failed to answer a turn (after whatever retries its client made). `status` and `code`
 * are the provider's, when it answered with an error; `retryable` says whether asking again may
 * succeed (a rate limit, a server error, a timeout, a dropped stream): a run pauses on such a
 * failure, to be taken up again, rather than failing.
 */
export class ModelError extends Schema.TaggedError<ModelError>()('ModelError', {
  model: Schema.String,
  reason: Schema.String,
  status: Schema.optional(Schema.Int),
  code: Schema.optional(Schema.String),
  retryable: Schema.optional(Schema.Boolean),
}) {
  override get message() {
    return `Model "${this.model}" failed: ${this.reason}`
  }
}

/** The store could not do what was asked (unreachable, corrupt document, …). */
export class StoreError extends Schema.TaggedError<StoreError>()('StoreError', {
  operation: Schema.String,
  reason: Schema.String,
}) {
  override get message() {
    return `Store operation ${this.operation} failed: ${this.reason}`
  }
}

/** A policy threw or failed. The call it was judging is blocked: policies fail closed. */
export class PolicyFailed extends Schema.TaggedError<PolicyFailed>()('PolicyFailed', {
  policy: Schema.String,
  toolName: Schema.String,
  reason: Schema.String,
}) {
  override get message() {
    return `Policy "${this.policy}" failed on tool "${this.toolName}", so the call is blocked: ${this.reason}`
  }
}

/** Something the run did not expect (a bug in a tool's, model's or plugin's code, say) stopped it. */
export class UnexpectedError extends Schema.TaggedError<UnexpectedError>()('UnexpectedError', {
  reason: Schema.String,
}) {
  override get message() {
    return `The run stopped unexpectedly: ${this.reason}`
  }
}

/** A request that is malformed as a whole: not the shape the API takes, whatever it asks for. */
export class InvalidRequest extends Schema.TaggedError<InvalidRequest>()('InvalidRequest', {
  reason: Schema.String,
}) {
  override get message() {
    return `Invalid request: ${this.reason}`
  }
}

export class InvalidRunInput extends Schema.TaggedError<InvalidRunInput>()('InvalidRunInput', {
  reason: Schema.String,
}) {
  override get message() {
    return `Invalid run input: ${this.reason}`
  }
}

/** Errors of resolving requirements and continuing a run. */
export type ContinueError =
  | ApprovalPending
  | RunNotFound
  | RunNotContinuable
  | RequirementsUnresolved
  | RequirementNotFound
  | RequirementAlreadyResolved
  | ResolutionMethodMismatch
  | InvalidResolution
  | NotAllowedToResolve
  | InvalidRequest
  | RunClaimed
  | StoreError

/** Writing a run's progress failed, or another writer holds the run now. */
export type WriteError = StoreError | RunClaimed

/** Why a run stopped short: recorded as its failure when the store allows, else the error of its stream. */
export type RunFailure =
  ModelError | PolicyFailed | DefinitionError | UnexpectedError | EngineStopped | WriteError

export type StartError = InvalidRunInput | RunAlreadyExists | StoreError

export type CancelError = RunNotFound | RunNotContinuable | RunBusy | RunClaimed | InvalidRequest | StoreError

export type RecoverError = RunNotFound | RunNotContinuable | RunBusy | RunClaimed | StoreError
