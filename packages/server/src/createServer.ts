import { createServer as createHttpServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Countersign, type CountersignOptions } from '@countersign/core'
import { applyWSSHandler } from '@trpc/server/adapters/ws'
import { createHTTPHandler } from '@trpc/server/adapters/standalone'
import { WebSocketServer } from 'ws'
import type { Authenticate } from './auth.js'
import { makeCreateContext, type Guards } from './context.js'
import { handleProbe } from './http.js'
import { callsOf, refuseBatch } from './internal/batchLimit.js'
import { defaultLimits, type Limits, type RateLimit } from './internal/limits.js'
import { makeRateLimiter } from './internal/rateLimiter.js'
import { retryAfterOf } from './internal/retryAfter.js'
import { makeRunSlots } from './internal/runSlots.js'
import { hardLimitFactor, limitedWebSocket } from './internal/limitedSocket.js'
import { makeResumer, manualResume } from './internal/resume.js'
import { staticFiles } from './internal/staticFiles.js'
import { handleMount, type Mount } from './mounts.js'
import { handleRest } from './rest.js'
import { appRouter } from './router.js'

export type ServerOptions = (CountersignOptions | { readonly countersign: Countersign }) & {
  /** Token → principal; see `staticTokens` for development. */
  readonly authenticate: Authenticate
  /** Largest HTTP request body accepted, in bytes (default 1 MiB); larger ones get PAYLOAD_TOO_LARGE. */
  readonly maxBodySize?: number
  /**
   * Largest WebSocket message accepted, in bytes (default 1 MiB): the requests of a larger one are
   * answered PAYLOAD_TOO_LARGE and the connection goes on; one over four times the limit closes
   * its socket with 1009.
   */
  readonly maxPayload?: number
  /**
   * How far a WebSocket client may fall behind, in bytes queued for it (default 4 MiB). A client
   * that stops reading is disconnected beyond it rather than buffered for without bound; it
   * reconnects and resumes its subscriptions after the last event it received.
   */
  readonly maxBufferedBytes?: number
  /** WebSocket pings that drop dead connections (default every 30 s, 5 s to answer); `false` for none. */
  readonly keepAlive?: { readonly pingMs?: number; readonly pongWaitMs?: number } | false
  /**
   * Whether a run goes on by itself once an approval decision (`approvals.decide`, or the REST
   * resolve) leaves it nothing open (default true): the server continues it in the background,
   * and the decider is answered without waiting for it. Of several deciders or servers, one
   * continues the run. With `false`, someone calls `runs.continue`.
   */
  readonly resumeOnDecision?: boolean
  /**
   * Failures no request answers: a run continued in the background that could not be (its store
   * failed, say). Default: `console.error`.
   */
  readonly onError?: (error: unknown, context: { readonly runId: string }) => void
  /** How long `close()` waits for in-flight requests and runs it continues before cutting them off (default 10 s). */
  readonly shutdownTimeoutMs?: number
  /** A built web app (the control panel's `dist`) to serve on the same port: its files, and `index.html` for its pages; `.map` files only with `sourceMaps`. */
  readonly webApp?: { readonly dir: string; readonly sourceMaps?: boolean }
  /**
   * Most calls in one HTTP batch (`?batch=1`) or one WebSocket message (default 500); a larger
   * batch is answered PAYLOAD_TOO_LARGE (`BatchTooLarge`) for every call, and none runs.
   */
  readonly maxBatchSize?: number
  /** Most subscriptions open at once on one WebSocket connection (default 500); one more is TOO_MANY_REQUESTS (`TooManySubscriptions`). */
  readonly maxSubscriptionsPerSocket?: number
  /**
   * Most `runs.start` and `runs.continue` calls one principal has being answered at once by this
   * process (default 250); one more is TOO_MANY_REQUESTS (`TooManyRequests`, `concurrentRuns`).
   */
  readonly maxConcurrentRuns?: number
  /**
   * Requests per principal, as a token bucket: `burst` at once, refilled at `perSecond`
   * (default 500 a second, 1000 at once), over HTTP, WebSocket and REST alike; one more is
   * TOO_MANY_REQUESTS (`TooManyRequests`, `requestRate`) with `Retry-After`. `false`: no limit.
   */
  readonly rateLimit?: RateLimit | false
  /**
   * How often, in milliseconds, an open WebSocket connection (or an HTTP subscription) has its
   * token checked again (default 10 s). Each WebSocket operation is checked anew besides; when the
   * token names nobody, subscriptions end UNAUTHORIZED and the connection is closed (4401).
   */
  readonly reauthenticateMs?: number
  /** Deepest nesting of JSON input accepted (default 32 levels); deeper is BAD_REQUEST (`NestingTooDeep`). */
  readonly maxJsonDepth?: number
  /**
   * More HTTP handlers on the same port, each at its path: for signed-in callers only, or, for a
   * mount that authenticates its callers itself (Slack's interactivity endpoint), for anyone within
   * the request rate, counted by remote address (see `Mount`).
   */
  readonly mounts?: ReadonlyArray<Mount>
}

export interface CountersignServer {
  /** The deployment served: runs, approvals and the store. */
  readonly countersign: Countersign
  /** The node HTTP server, for hosts that attach more to it. */
  readonly httpServer: Server
  /** Starts listening (port 0: any free port); answers where. */
  readonly listen: (port?: number, host?: string) => Promise<AddressInfo>
  /**
   * Graceful shutdown: stops accepting connections, tells WebSocket clients to reconnect (to
   * another instance), lets in-flight requests finish, then stops the engine if the server made it.
   */
  readonly close: () => Promise<void>
}

const mebibyte = 1024 * 1024

const limitsOf = (options: ServerOptions): Limits => ({
  maxBatchSize: options.maxBatchSize ?? defaultLimits.maxBatchSize,
  maxSubscriptionsPerSocket: options.maxSubscriptionsPerSocket ?? defaultLimits.maxSubscriptionsPerSocket,
  maxConcurrentRuns: options.maxConcurrentRuns ?? defaultLimits.maxConcurrentRuns,
  rateLimit: options.rateLimit ?? defaultLimits.rateLimit,
  reauthenticateMs: options.reauthenticateMs ?? defaultLimits.reauthenticateMs,
  maxJsonDepth: options.maxJsonDepth ?? defaultLimits.maxJsonDepth,
})

const logBackgroundError = (error: unknown, { runId }: { readonly runId: string }) =>
  console.error(`countersign: continuing run ${runId} after a decision failed`, error)

/**
 * The Countersign server: the tRPC router over HTTP (queries and mutations) and WebSocket
 * (subscriptions) on one port, with `/healthz`, `/readyz` and the REST routes of `/api/approvals`.
 * A `Countersign` passed in stays the caller's to dispose; one made from the options is disposed
 * by `close()`.
 */
export const createServer = (options: ServerOptions): CountersignServer => {
  const owned = !('countersign' in options)
  const countersign = 'countersign' in options ? options.countersign : new Countersign(options)
  const resumer =
    options.resumeOnDecision === false
      ? manualResume
      : makeResumer(countersign, options.onError ?? logBackgroundError)
  const maxBodySize = options.maxBodySize ?? mebibyte
  const limits = limitsOf(options)
  const guards: Guards = {
    limits,
    rate: makeRateLimiter(limits.rateLimit),
    runs: makeRunSlots(limits.maxConcurrentRuns),
  }
  const createContext = makeCreateContext({
    countersign,
    authenticate: options.authenticate,
    resumer,
    maxBodySize,
    guards,
  })
  const trpc = createHTTPHandler({
    router: appRouter,
    createContext,
    maxBodySize,
    responseMeta: ({ errors }) => retryAfterOf(errors.map((error) => error.cause)),
  })
  const rest = { countersign, authenticate: options.authenticate, maxBodySize, resumer, guards }
  const webApp = options.webApp === undefined ? undefined : staticFiles(options.webApp)
  const mounts = options.mounts ?? []
  const addressRate = makeRateLimiter(limits.rateLimit)

  let closing = false
  let inFlight = 0
  let drained: (() => void) | undefined
  const httpServer = createHttpServer((req, res) => {
    if (closing) {
      // A keep-alive connection may still send requests after close(): turn them away (readiness too).
      res.writeHead(503, { connection: 'close', 'content-type': 'application/json' })
      res.end(JSON.stringify({ status: 'unavailable', reason: 'shutting down' }))
      return
    }
    inFlight += 1
    res.once('close', () => {
      inFlight -= 1
      if (inFlight === 0) drained?.()
    })
    void (async () => {
      if (await handleProbe(req, res, countersign)) return
      if (await handleRest(req, res, rest)) return
      if (
        await handleMount(req, res, mounts, {
          countersign,
          authenticate: options.authenticate,
          rate: guards.rate,
          addressRate,
          runs: guards.runs,
          resumer,
          maxBodySize,
        })
      )
        return
      if (webApp !== undefined && (await webApp(req, res))) return
      if (callsOf(new URL(req.url ?? '/', 'http://localhost')) > limits.maxBatchSize)
        return refuseBatch(res, appRouter, limits.maxBatchSize)
      trpc(req, res)
    })()
  })

  const maxPayload = options.maxPayload ?? mebibyte
  const wss = new WebSocketServer({
    server: httpServer,
    maxPayload: maxPayload * hardLimitFactor,
    WebSocket: limitedWebSocket(appRouter, {
      maxPayload,
      maxBufferedBytes: options.maxBufferedBytes ?? 4 * mebibyte,
      maxBatchSize: limits.maxBatchSize,
    }),
  })
  const keepAlive = options.keepAlive ?? {}
  const wsHandler = applyWSSHandler({
    wss,
    router: appRouter,
    createContext,
    ...(keepAlive === false ? {} : { keepAlive: { enabled: true, ...keepAlive } }),
  })

  const listen = (port = 0, host = '127.0.0.1') =>
    new Promise<AddressInfo>((resolve, reject) => {
      httpServer.once('error', reject)
      httpServer.listen(port, host, () => {
        httpServer.off('error', reject)
        resolve(httpServer.address() as AddressInfo)
      })
    })

  const close = async () => {
    if (closing) return
    closing = true
    const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()))
    wsHandler.broadcastReconnectNotification()
    // Subscriptions end with their sockets; clients reconnect and resume from their last event.
    for (const client of wss.clients) client.close(1001, 'server shutting down')
    await new Promise<void>((resolve) => wss.close(() => resolve()))
    const requestsDone = inFlight === 0 ? undefined : new Promise<void>((resolve) => (drained = resolve))
    const timeout = new Promise<void>((resolve) =>
      setTimeout(resolve, options.shutdownTimeoutMs ?? 10_000).unref(),
    )
    await Promise.race([Promise.all([requestsDone, resumer.settled()]), timeout])
    httpServer.closeAllConnections()
    await closed
    if (owned) await countersign.dispose()
  }

  return { countersign, httpServer, listen, close }
}
