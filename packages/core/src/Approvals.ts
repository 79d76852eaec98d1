import { Clock, Context, Effect, Layer, Option, Schema, Stream } from 'effect'
import {
  ApprovalFilter,
  type ApprovalListing,
  ApprovalQuery,
  type ApprovalRecord,
  type ApprovalUpdate,
} from './Approval.js'
import {
  ApprovalAlreadyResolved,
  ApprovalNotFound,
  type GrantInactive,
  GrantNotFound,
  InvalidRequest,
  type InvalidResolution,
  NotAllowedToResolve,
  type RunClaimed,
  type RunNotFound,
  type StoreError,
} from './Errors.js'
import { Grant, GrantFilter, GrantScope } from './Grant.js'
import { IdGenerator } from './IdGenerator.js'
import { Json } from './Json.js'
import { Principal } from './Principal.js'
import { RunEngine } from './RunEngine.js'
import { RunStore } from './RunStore.js'
import { byId, findDefinition, type Runnable } from './Runnable.js'
import { ApprovalEntry, historyOf } from './internal/approvalHistory.js'
import { decode } from './internal/requests.js'
import { type DecisionRules, mayApprove } from './internal/resolutions.js'

export { ApprovalEntry }

/** An approver's answer to an approval, and optionally a grant for the calls like it that follow. */
export const ApprovalAnswer = Schema.Struct({
  approved: Schema.Boolean,
  /** On a rejection, what the model is told. */
  note: Schema.optional(Schema.String),
  data: Schema.optional(Json),
  /** Approve with changes: every argument the call runs with (see `RequirementPlugin.Decision.args`). */
  args: Schema.optional(Schema.Record({ key: Schema.String, value: Json })),
  /** Approve the calls of this tool in this session from now on (`session`), or the next one (`once`). */
  grant: Schema.optional(
    Schema.Struct({
      scope: GrantScope,
      /** Only calls with the same arguments as this one (default), or any arguments. */
      args: Schema.optionalWith(Schema.Literal('same', 'any'), { default: () => 'same' as const }),
    }),
  ),
})
export type ApprovalAnswer = typeof ApprovalAnswer.Encoded

export const DecideOptions = Schema.Struct({
  principal: Principal,
  /** The status the approval must have: the only one an approval is decided from. */
  expectedStatus: Schema.optional(Schema.Literal('pending')),
})
export type DecideOptions = typeof DecideOptions.Encoded

/** A grant as an approver gives it directly, not through an approval. */
export const GrantRequest = Schema.Struct({
  scope: GrantScope,
  /** Whose runs it covers: the principal who works in the session. */
  principalId: Schema.NonEmptyString,
  sessionId: Schema.NonEmptyString,
  sourceId: Schema.NonEmptyString,
  toolName: Schema.NonEmptyString,
  args: Schema.optional(Schema.Record({ key: Schema.String, value: Json })),
  note: Schema.optional(Schema.String),
})
export type GrantRequest = typeof GrantRequest.Encoded

export const RevokeOptions = Schema.Struct({ principal: Principal, note: Schema.optional(Schema.String) })
export type RevokeOptions = typeof RevokeOptions.Encoded

/**
 * The approval queue and its audit trail, across the agents given to the layer. Deciding an
 * approval records the decision only; continuing the run (`continueRun`) is a separate step, as
 * with any requirement. Only principals the approval's rules allow may decide, grant or revoke.
 */
export interface Approvals {
  /** Newest first, with how many match in all, and where to follow the queue's changes from. */
  readonly list: (
    query?: typeof ApprovalQuery.Encoded,
  ) => Effect.Effect<ApprovalListing, InvalidRequest | StoreError>
  readonly count: (
    filter?: typeof ApprovalFilter.Encoded,
  ) => Effect.Effect<number, InvalidRequest | StoreError>
  readonly get: (approvalId: string) => Effect.Effect<ApprovalRecord, ApprovalNotFound | StoreError>
  /** Everything that happened to an approval, oldest first: asked, decided, and what the call then did. */
  readonly history: (
    approvalId: string,
  ) => Effect.Effect<ReadonlyArray<ApprovalEntry>, ApprovalNotFound | StoreError>
  /** Decides a pending approval. Of concurrent deciders exactly one wins; the others get ApprovalAlreadyResolved. */
  readonly decide: (
    approvalId: string,
    answer: ApprovalAnswer,
    options: DecideOptions,
  ) => Effect.Effect<
    ApprovalRecord,
    | ApprovalNotFound
    | ApprovalAlreadyResolved
    | NotAllowedToResolve
    | InvalidResolution
    | InvalidRequest
    | RunClaimed
    | RunNotFound
    | StoreError
  >
  /**
   * The queue's changes after `afterSeq` (by default, from its last change as of now), each with
   * its approval as it stands, then live, each once and in order; it never ends of itself. List
   * a page, then follow from its `changeSeq` to miss nothing.
   */
  readonly changes: (afterSeq?: number) => Stream.Stream<ApprovalUpdate, InvalidRequest | StoreError>
  readonly grant: (
    request: GrantRequest,
    options: { readonly principal: typeof Principal.Encoded },
  ) => Effect.Effect<Grant, NotAllowedToResolve | InvalidRequest | StoreError>
  readonly listGrants: (
    filter?: typeof GrantFilter.Encoded,
  ) => Effect.Effect<ReadonlyArray<Grant>, InvalidRequest | StoreError>
  readonly revokeGrant: (
    grantId: string,
    options: RevokeOptions,
  ) => Effect.Effect<Grant, GrantNotFound | GrantInactive | NotAllowedToResolve | InvalidRequest | StoreError>
}

export const Approvals = Context.GenericTag<Approvals>('@countersign/core/Approvals')

const invalid = (what: string) => (reason: string) => new InvalidRequest({ reason: `${what}: ${reason}` })

/**
 * Whose runs a grant covers, as the policies judging it see them. A grant stored before grants
 * named a principal covers nobody's: it is judged as asked for by no one in particular.
 */
const requesterOf = (grant: Pick<Grant, 'principalId'>) =>
  new Principal({ id: grant.principalId ?? 'countersign:nobody', roles: [] })

const make = (definitions: ReadonlyArray<Runnable>, rules: DecisionRules) =>
  Effect.gen(function* () {
    const store = yield* RunStore
    const engine = yield* RunEngine
    const ids = yield* IdGenerator
    const served = byId('Approvals', definitions)

    /** An agent or team served here, or a member of one (whose tools a grant may cover). */
    const agentOf = (sourceId: string) =>
      Effect.fromNullable(findDefinition(served, sourceId)).pipe(
        Effect.mapError(() => new InvalidRequest({ reason: `"${sourceId}" is not served here` })),
      )

    const get: Approvals['get'] = (approvalId) =>
      Effect.flatMap(store.getApproval(approvalId), (found) =>
        Option.isSome(found)
          ? Effect.succeed(found.value)
          : Effect.fail(new ApprovalNotFound({ approvalId })),
      )

    /** Checks that an approver may approve calls of this tool of this agent ahead of time. */
    const mayGrant = Effect.fnUntraced(function* (
      principal: Principal,
      grant: Pick<Grant, 'id' | 'sourceId' | 'toolName' | 'args' | 'principalId'>,
    ) {
      const agent = yield* agentOf(grant.sourceId)
      const refused = yield* mayApprove(
        agent,
        principal,
        {
          toolCall: { id: grant.id, name: grant.toolName, args: grant.args ?? {} },
          runId: grant.id,
          requester: requesterOf(grant),
        },
        rules,
      )
      if (refused !== undefined)
        return yield* new NotAllowedToResolve({
          requirementId: grant.id,
          principalId: principal.id,
          reason: refused,
        })
    })

    const decide: Approvals['decide'] = Effect.fnUntraced(function* (
      approvalId: string,
      rawAnswer: ApprovalAnswer,
      rawOptions: DecideOptions,
    ) {
      const answer = yield* decode(ApprovalAnswer, rawAnswer, invalid('answer'))
      const options = yield* decode(DecideOptions, rawOptions, invalid('options'))
      const approval = yield* get(approvalId)
      const already = new ApprovalAlreadyResolved({ approvalId, status: approval.status })
      if (approval.status !== 'pending') return yield* already
      const agent = yield* agentOf(approval.source.id)
      const { grant, ...decision } = answer
      yield* engine
        .resolve(agent, approval.runId, [{ requirementId: approvalId, value: decision }], {
          principal: options.principal,
        })
        .pipe(
          Effect.catchTags({
            RequirementAlreadyResolved: () =>
              Effect.flatMap(
                get(approvalId),
                (now) => new ApprovalAlreadyResolved({ approvalId, status: now.status }),
              ),
            // The run moved on (it was cancelled, say): the approval's status says how.
            RunNotContinuable: () =>
              Effect.flatMap(
                get(approvalId),
                (now) => new ApprovalAlreadyResolved({ approvalId, status: now.status }),
              ),
            RequirementNotFound: () => new ApprovalNotFound({ approvalId }),
            ResolutionMethodMismatch: () => new ApprovalNotFound({ approvalId }),
            RequirementsUnresolved: Effect.die,
            ApprovalPending: Effect.die,
          }),
        )
      if (grant !== undefined && answer.approved && approval.sessionId !== undefined)
        yield* store.createGrant(
          new Grant({
            id: yield* ids.next,
            scope: grant.scope,
            sessionId: approval.sessionId,
            principalId: approval.requestedBy.id,
            // A member's tool is the member's to grant.
            sourceId: approval.member?.agentId ?? approval.source.id,
            toolName: approval.toolName,
            // The same arguments as the call approved: the approver's changed ones, if any.
            ...(grant.args === 'same' ? { args: decision.args ?? approval.toolArgs } : {}),
            grantedBy: options.principal,
            grantedAt: yield* Clock.currentTimeMillis,
            approvalId,
            uses: 0,
          }),
        )
      return yield* get(approvalId)
    })

    const grant: Approvals['grant'] = (rawRequest, rawOptions) =>
      Effect.gen(function* () {
        const request = yield* decode(GrantRequest, rawRequest, invalid('grant'))
        const { principal } = yield* decode(
          Schema.Struct({ principal: Principal }),
          rawOptions,
          invalid('options'),
        )
        const given = new Grant({
          ...request,
          id: yield* ids.next,
          grantedBy: principal,
          grantedAt: yield* Clock.currentTimeMillis,
          uses: 0,
        })
        yield* mayGrant(principal, given)
        yield* store.createGrant(given)
        return given
      })

    const revokeGrant: Approvals['revokeGrant'] = (grantId, rawOptions) =>
      Effect.gen(function* () {
        const options = yield* decode(RevokeOptions, rawOptions, invalid('options'))
        const found = yield* store.getGrant(grantId)
        if (Option.isNone(found)) return yield* new GrantNotFound({ grantId })
        yield* mayGrant(options.principal, found.value)
        return yield* store.revokeGrant(grantId, {
          revokedBy: options.principal,
          revokedAt: yield* Clock.currentTimeMillis,
          ...(options.note === undefined ? {} : { note: options.note }),
        })
      })

    return Approvals.of({
      list: (query) =>
        Effect.gen(function* () {
          const decoded = yield* decode(ApprovalQuery, query ?? {}, invalid('query'))
          // Read first: every change up to it is in what the page shows.
          const changeSeq = yield* store.lastApprovalChangeSeq()
          return { ...(yield* store.listApprovals(decoded)), changeSeq }
        }),
      count: (filter) =>
        Effect.flatMap(decode(ApprovalFilter, filter ?? {}, invalid('filter')), store.countApprovals),
      get,
      history: (approvalId) => Effect.flatMap(get(approvalId), (approval) => historyOf(store, approval)),
      decide,
      changes: (afterSeq) =>
        Stream.unwrap(
          Effect.map(
            decode(Schema.UndefinedOr(Schema.NonNegativeInt), afterSeq, invalid('afterSeq')),
            (from) => engine.followApprovals(from),
          ),
        ),
      grant,
      listGrants: (filter) =>
        Effect.flatMap(decode(GrantFilter, filter ?? {}, invalid('filter')), store.listGrants),
      revokeGrant,
    })
  })

/**
 * The approvals of the runs of `definitions` (agents, teams), over the RunStore and RunEngine
 * provided; `allowSelfApproval` as the engine's (see `EngineOptions`).
 */
export const layer = (
  definitions: ReadonlyArray<Runnable>,
  options: { readonly allowSelfApproval?: boolean } = {},
) => Layer.effect(Approvals, make(definitions, { allowSelfApproval: options.allowSelfApproval === true }))
