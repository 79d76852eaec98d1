import { RunNotContinuable } from '@countersign/core'
import { Schema } from 'effect'
import { type TRPCError, TRPCError as TRPCErrorClass } from '@trpc/server'
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc'
import { withoutTrace } from './internal/safeText.js'

/*
 * The server's own typed errors, beside the core's: like them, tagged, so that a client matches
 * on `data.error._tag` whichever side raised the error.
 */

/**
 * No token (`tokenGiven` false), or one `authenticate` does not recognise (unknown, expired or
 * revoked): a caller who sent a token is told it was refused, not asked to send one.
 */
export class Unauthenticated extends Schema.TaggedError<Unauthenticated>()('Unauthenticated', {
  tokenGiven: Schema.Boolean,
}) {
  override get message() {
    return this.tokenGiven
      ? 'The token was not accepted: it is unknown, expired or revoked.'
      : 'Authentication required: send a bearer token (HTTP) or connectionParams.token (WebSocket).'
  }
}

/** The caller is known but lacks every role the procedure needs. */
export class RoleRequired extends Schema.TaggedError<RoleRequired>()('RoleRequired', {
  principalId: Schema.String,
  roles: Schema.Array(Schema.String),
}) {
  override get message() {
    return `"${this.principalId}" needs one of the roles ${this.roles.join(', ')}.`
  }
}

/** No agent, team or workflow with this id is served here. */
export class DefinitionNotFound extends Schema.TaggedError<DefinitionNotFound>()('DefinitionNotFound', {
  definitionId: Schema.String,
}) {
  override get message() {
    return `No agent, team or workflow "${this.definitionId}" is served here.`
  }
}

/** A request body (HTTP) or message (WebSocket) larger than the server accepts. */
export class PayloadTooLarge extends Schema.TaggedError<PayloadTooLarge>()('PayloadTooLarge', {
  maxBytes: Schema.Number,
}) {
  override get message() {
    return `The request is larger than ${this.maxBytes} bytes.`
  }
}

/** A batch (HTTP `?batch=1`, or one WebSocket message) of more calls than the server runs at once: none of them ran. */
export class BatchTooLarge extends Schema.TaggedError<BatchTooLarge>()('BatchTooLarge', {
  maxCalls: Schema.Number,
}) {
  override get message() {
    return `A batch may hold at most ${this.maxCalls} calls.`
  }
}

/** JSON input nested deeper than the server reads: refused before validation, so before any store. */
export class NestingTooDeep extends Schema.TaggedError<NestingTooDeep>()('NestingTooDeep', {
  maxDepth: Schema.Number,
}) {
  override get message() {
    return `The input is nested deeper than ${this.maxDepth} levels.`
  }
}

/**
 * A principal over one of its limits: requests per second (`requestRate`) or runs working at once
 * (`concurrentRuns`). Over HTTP the response carries `Retry-After: <retryAfter>`.
 */
export class TooManyRequests extends Schema.TaggedError<TooManyRequests>()('TooManyRequests', {
  limit: Schema.Literal('requestRate', 'concurrentRuns'),
  max: Schema.Number,
  /** Seconds to wait before trying again. */
  retryAfter: Schema.Number,
}) {
  override get message() {
    return this.limit === 'requestRate'
      ? `Too many requests: at most ${this.max} a second; retry after ${this.retryAfter} s.`
      : `Too many runs at once: at most ${this.max}; retry after ${this.retryAfter} s.`
  }
}

/** A WebSocket connection with as many subscriptions open as it may have. */
export class TooManySubscriptions extends Schema.TaggedError<TooManySubscriptions>()('TooManySubscriptions', {
  maxSubscriptions: Schema.Number,
}) {
  override get message() {
    return `A connection may hold at most ${this.maxSubscriptions} subscriptions.`
  }
}

/** No REST route answers this method and path. */
export class RouteNotFound extends Schema.TaggedError<RouteNotFound>()('RouteNotFound', {
  method: Schema.String,
  path: Schema.String,
}) {
  override get message() {
    return `No route ${this.method} ${this.path}.`
  }
}

/** The HTTP status class of each typed error the procedures can raise. */
const codes: Readonly<Record<string, TRPC_ERROR_CODE_KEY>> = {
  Unauthenticated: 'UNAUTHORIZED',
  RoleRequired: 'FORBIDDEN',
  NotAllowedToResolve: 'FORBIDDEN',
  DefinitionNotFound: 'NOT_FOUND',
  RouteNotFound: 'NOT_FOUND',
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  BatchTooLarge: 'PAYLOAD_TOO_LARGE',
  NestingTooDeep: 'BAD_REQUEST',
  TooManyRequests: 'TOO_MANY_REQUESTS',
  TooManySubscriptions: 'TOO_MANY_REQUESTS',
  RunNotFound: 'NOT_FOUND',
  ApprovalNotFound: 'NOT_FOUND',
  RequirementNotFound: 'NOT_FOUND',
  GrantNotFound: 'NOT_FOUND',
  InvalidRequest: 'BAD_REQUEST',
  InvalidResolution: 'BAD_REQUEST',
  InvalidRunInput: 'BAD_REQUEST',
  ResolutionMethodMismatch: 'BAD_REQUEST',
  RequirementAlreadyResolved: 'CONFLICT',
  ApprovalAlreadyResolved: 'CONFLICT',
  RunClaimed: 'CONFLICT',
  RunBusy: 'CONFLICT',
  GrantInactive: 'CONFLICT',
  // The run is not in the state the call needs: the caller must do something else first (but see isRunWorking).
  RunNotContinuable: 'PRECONDITION_FAILED',
  RequirementsUnresolved: 'PRECONDITION_FAILED',
  ApprovalPending: 'PRECONDITION_FAILED',
}

export const tagOf = (error: unknown): string | undefined =>
  typeof error === 'object' && error !== null && '_tag' in error && typeof error._tag === 'string'
    ? error._tag
    : undefined

/**
 * A run that is working now was taken up by someone else's continue (or the server's, after a
 * decision): the caller lost a race, as with RunClaimed. A run working for another (`rootRunId`)
 * is not a race: that one is to be continued.
 */
const isRunWorking = (error: unknown) =>
  error instanceof RunNotContinuable && error.status === 'running' && error.rootRunId === undefined

const codeOf = (error: unknown): TRPC_ERROR_CODE_KEY =>
  isRunWorking(error) ? 'CONFLICT' : (codes[tagOf(error) ?? ''] ?? 'INTERNAL_SERVER_ERROR')

/** A procedure's failure as tRPC sends it: typed errors keep their class as `cause`; anything else is a 500. */
export const toTRPCError = (error: unknown): TRPCError => {
  if (error instanceof TRPCErrorClass) return error
  const code = codeOf(error)
  const message = error instanceof Error ? error.message : String(error)
  return new TRPCErrorClass({ code, message, cause: error })
}

/** Runs a procedure's work, turning what it throws into the tRPC error for it. */
export const mapErrors = async <A>(work: () => Promise<A>): Promise<A> => {
  try {
    return await work()
  } catch (error) {
    throw toTRPCError(error)
  }
}

/** What the client sees of a typed error: its tag, message and fields, as JSON. */
export type ErrorData = { readonly _tag: string; readonly message: string } & Readonly<
  Record<string, unknown>
>

interface StandardIssue {
  readonly message: string
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined
}

const isSchemaFailure = (cause: unknown): cause is { readonly issues: ReadonlyArray<StandardIssue> } =>
  typeof cause === 'object' && cause !== null && 'issues' in cause && Array.isArray(cause.issues)

const pathOf = (issue: StandardIssue) =>
  (issue.path ?? []).map((segment) => String(typeof segment === 'object' ? segment.key : segment)).join('.')

/**
 * The `data.error` of an error's shape: a typed error's fields, or an input that failed its
 * schema as an `InvalidRequest` listing the issues. Undefined for anything else, whose details
 * stay on the server.
 */
export const errorData = (error: TRPCError): ErrorData | undefined => {
  const cause: unknown = error.cause
  const tag = tagOf(cause)
  if (tag !== undefined) {
    // A tagged error's own enumerable properties are its schema fields, all JSON; text ones may
    // describe a thrown error, its trace included.
    const fields = Object.entries(cause as object).map(
      ([key, value]: [string, unknown]): [string, unknown] => [
        key,
        typeof value === 'string' ? withoutTrace(value) : value,
      ],
    )
    return {
      ...Object.fromEntries(fields),
      _tag: tag,
      message: withoutTrace((cause as Error).message),
    }
  }
  if (error.code === 'BAD_REQUEST' && isSchemaFailure(cause)) {
    const issues = cause.issues.map((issue) => ({
      path: pathOf(issue),
      message: withoutTrace(issue.message),
    }))
    const reason = issues.map((issue) => `${issue.path === '' ? '' : `${issue.path}: `}${issue.message}`)
    return {
      _tag: 'InvalidRequest',
      message: `Invalid request: ${reason.join('; ')}`,
      reason: reason.join('; '),
      issues,
    }
  }
  return undefined
}
