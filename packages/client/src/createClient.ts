import { createTRPCClient, createWSClient, httpLink, splitLink, type TRPCClient, wsLink } from '@trpc/client'
import type { AppRouter } from '@countersign/server'
import type { ApprovalChangeHandlers, ApprovalChangesOptions } from './approvalChanges.js'
import type { RunEventHandlers } from './runEvents.js'
import { type Subscription, subscriptionIterable } from './subscriptions.js'
import type { ApprovalChangeView, RunEvent } from './types.js'

export interface ClientOptions {
  /** The server's base URL, `http(s)://host:port`; WebSocket subscriptions go to the same host and port. */
  readonly url: string
  /** The bearer token `authenticate` knows the caller by. */
  readonly token: string
  /**
   * The WebSocket class to use. Browsers and Node 22 have one; on Node 20 pass `ws`'s
   * (`import { WebSocket } from 'ws'`).
   */
  readonly WebSocket?: unknown
  /** How long to wait before the n-th attempt to reconnect the WebSocket (default: 0.5 s doubling, up to 30 s). */
  readonly retryDelayMs?: (attempt: number) => number
  /** The WebSocket connected: at first, and after each reconnect. */
  readonly onOpen?: () => void
  /** The WebSocket closed (or failed to connect); unless `close()` was called, it reconnects by itself. */
  readonly onClose?: () => void
}

type StartOptions = { readonly sessionId?: string }
type RouterInputs = Parameters<TRPCClient<AppRouter>['approvals']['decide']['mutate']>[0]

export type ResolutionInputs = NonNullable<
  Parameters<TRPCClient<AppRouter>['runs']['continue']['mutate']>[0]['resolutions']
>
export type ApprovalAnswer = RouterInputs['answer']
export type ApprovalQuery = Parameters<TRPCClient<AppRouter>['approvals']['list']['query']>[0]
export type RunListQuery = Parameters<TRPCClient<AppRouter>['runs']['list']['query']>[0]
export type ApprovalFilter = Parameters<TRPCClient<AppRouter>['approvals']['count']['query']>[0]
export type GrantRequest = Parameters<TRPCClient<AppRouter>['grants']['create']['mutate']>[0]
export type GrantFilter = Parameters<TRPCClient<AppRouter>['grants']['list']['query']>[0]

const backoff = (attempt: number) => Math.min(500 * 2 ** attempt, 30_000)

/**
 * A typed Countersign client: Promise methods over HTTP, run events and the approval
 * queue's changes over one WebSocket that reconnects by itself and resumes after the last one seen. Failures reject
 * with `TRPCClientError`; `errorOf(error)` reads the server's typed error (`_tag` and fields).
 */
export const createClient = (options: ClientOptions) => {
  const wsClient = createWSClient({
    url: options.url.replace(/^http/, 'ws'),
    connectionParams: { token: options.token },
    retryDelayMs: options.retryDelayMs ?? backoff,
    ...(options.onOpen === undefined ? {} : { onOpen: options.onOpen }),
    ...(options.onClose === undefined ? {} : { onClose: options.onClose }),
    ...(options.WebSocket === undefined
      ? {}
      : { WebSocket: options.WebSocket as NonNullable<Parameters<typeof createWSClient>[0]['WebSocket']> }),
  })
  const trpc = createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: wsLink({ client: wsClient }),
        // One request per call: a batching link holds each call for a timer (a millisecond or more) first.
        false: httpLink({ url: options.url, headers: { authorization: `Bearer ${options.token}` } }),
      }),
    ],
  })

  function runEvents(
    runId: string,
    handlers: RunEventHandlers,
    options?: { readonly afterSeq?: number },
  ): Subscription
  function runEvents(runId: string, options?: { readonly afterSeq?: number }): AsyncIterable<RunEvent>
  function runEvents(
    runId: string,
    handlersOrOptions?: RunEventHandlers | { readonly afterSeq?: number },
    options?: { readonly afterSeq?: number },
  ): Subscription | AsyncIterable<RunEvent> {
    const subscribe = (handlers: RunEventHandlers, afterSeq: number | undefined): Subscription =>
      trpc.runs.events.subscribe(
        { runId, ...(afterSeq === undefined ? {} : { afterSeq }) },
        {
          onData: ({ data }) => handlers.onEvent(data),
          onError: (error) => handlers.onError?.(error),
          onComplete: () => handlers.onComplete?.(),
        },
      )
    if (handlersOrOptions !== undefined && 'onEvent' in handlersOrOptions)
      return subscribe(handlersOrOptions, options?.afterSeq)
    return subscriptionIterable<RunEvent>((listener) =>
      subscribe({ ...listener, onEvent: listener.onItem }, handlersOrOptions?.afterSeq),
    )
  }

  function approvalChanges(handlers: ApprovalChangeHandlers, options?: ApprovalChangesOptions): Subscription
  function approvalChanges(options?: ApprovalChangesOptions): AsyncIterable<ApprovalChangeView>
  function approvalChanges(
    handlersOrOptions?: ApprovalChangeHandlers | ApprovalChangesOptions,
    options?: ApprovalChangesOptions,
  ): Subscription | AsyncIterable<ApprovalChangeView> {
    const subscribeAfter = (handlers: ApprovalChangeHandlers, afterSeq: number): Subscription =>
      trpc.approvals.changes.subscribe(
        { afterSeq },
        {
          onData: ({ data }) => handlers.onChange(data),
          onError: (error) => handlers.onError?.(error),
          onComplete: () => handlers.onComplete?.(),
        },
      )
    const subscribe = (handlers: ApprovalChangeHandlers, afterSeq: number | undefined): Subscription => {
      if (afterSeq !== undefined) return subscribeAfter(handlers, afterSeq)
      // Where the queue ends now, asked first: a reconnect before the first change then resumes
      // from there, where a subscription without a number would start again at its new end.
      let subscription: Subscription | undefined
      let unsubscribed = false
      trpc.approvals.list.query({ limit: 1 }).then(
        ({ changeSeq }) => {
          if (!unsubscribed) subscription = subscribeAfter(handlers, changeSeq)
        },
        (error: unknown) => {
          if (!unsubscribed) handlers.onError?.(error)
        },
      )
      return {
        unsubscribe: () => {
          unsubscribed = true
          subscription?.unsubscribe()
        },
      }
    }
    if (handlersOrOptions !== undefined && 'onChange' in handlersOrOptions)
      return subscribe(handlersOrOptions, options?.afterSeq)
    return subscriptionIterable<ApprovalChangeView>((listener) =>
      subscribe({ ...listener, onChange: listener.onItem }, handlersOrOptions?.afterSeq),
    )
  }

  return {
    definitions: {
      list: () => trpc.definitions.list.query(),
    },
    session: {
      /** Who the token names: its principal's id and roles. */
      me: () => trpc.session.me.query(),
    },
    runs: {
      /** Starts a run; resolves when it completes, fails or pauses. */
      start: (agentId: string, input: string, options: StartOptions = {}) =>
        trpc.runs.start.mutate({ agentId, input, ...options }),
      /** Starts a run and resolves at once (status `running`): follow it with `runEvents`. */
      startStream: (agentId: string, input: string, options: StartOptions = {}) =>
        trpc.runs.start.mutate({ agentId, input, ...options, stream: true }),
      get: (runId: string) => trpc.runs.get.query({ runId }),
      /**
       * The caller's runs (an admin's: everyone's), newest first, paged (`limit` ≤ 100), with the
       * total: exact, or at least that many when `totalExact` is false (counting stops past the page).
       */
      list: (query?: RunListQuery) => trpc.runs.list.query(query),
      /** Pending requirements the caller may decide: their runs' (not approvals), and for approvers the approval queue. */
      awaitingMe: () => trpc.runs.awaitingMe.query(),
      /** Records the decisions (merged by requirement id), then continues the run if none is left open. */
      continue: (runId: string, resolutions?: ResolutionInputs) =>
        trpc.runs.continue.mutate({ runId, ...(resolutions === undefined ? {} : { resolutions }) }),
      /** Records decisions without continuing the run. An empty list is refused by the server (BAD_REQUEST). */
      resolve: (runId: string, resolutions: ResolutionInputs) =>
        trpc.runs.resolve.mutate({
          runId,
          resolutions: resolutions as [ResolutionInputs[number], ...ResolutionInputs],
        }),
      /** Cancels a running or paused run; an interrupted one too (its writer died). */
      cancel: (runId: string) => trpc.runs.cancel.mutate({ runId }),
      /**
       * Takes over an interrupted run (its writer died) and goes on: its calls that started
       * without a result run again (`retry`: admins only) or are put to a person (`ask`).
       */
      recover: (runId: string, interruptedCalls: 'retry' | 'ask') =>
        trpc.runs.recover.mutate({ runId, interruptedCalls }),
    },
    /**
     * A run's events after `afterSeq`, stored then live, until the run ends: with handlers, as
     * callbacks (answers the subscription, to `unsubscribe`); without, as an async iterable.
     * After a disconnect the client resubscribes from the last event it received.
     */
    runEvents,
    /**
     * The approval queue's changes after `afterSeq` (a page's `changeSeq`; by default, from the
     * queue's end when subscribing), stored then live, each with the approval as it stands, until
     * unsubscribed: with handlers, as callbacks; without, as an async iterable. After a
     * disconnect the client resubscribes after the last change it received. Approvers and
     * admins only (others: FORBIDDEN).
     */
    approvalChanges,
    approvals: {
      /** A page of the queue, newest first, with its total (as `runs.list`'s) and `changeSeq`. */
      list: (query?: ApprovalQuery) => trpc.approvals.list.query(query),
      count: (filter?: ApprovalFilter) => trpc.approvals.count.query(filter),
      get: (approvalId: string) => trpc.approvals.get.query({ approvalId }),
      decide: (approvalId: string, answer: ApprovalAnswer) =>
        trpc.approvals.decide.mutate({ approvalId, answer }),
    },
    /** Approvals given ahead of time for a tool's calls in a session (approvers and admins). */
    grants: {
      list: (filter?: GrantFilter) => trpc.grants.list.query(filter),
      create: (request: GrantRequest) => trpc.grants.create.mutate(request),
      /** Ends the grant; one already revoked or used up fails with GrantInactive (CONFLICT). */
      revoke: (grantId: string, options: { readonly note?: string } = {}) =>
        trpc.grants.revoke.mutate({ grantId, ...options }),
    },
    /** The underlying tRPC client, for procedures without a method here. */
    trpc,
    /** Closes the WebSocket; subscriptions end. */
    close: () => wsClient.close(),
  }
}

export type CountersignClient = ReturnType<typeof createClient>
