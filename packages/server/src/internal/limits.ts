/** The server's limits on what one caller may ask of it (see `ServerOptions` for each). */
export interface Limits {
  readonly maxBatchSize: number
  readonly maxSubscriptionsPerSocket: number
  readonly maxConcurrentRuns: number
  readonly rateLimit: RateLimit | false
  readonly reauthenticateMs: number
  readonly maxJsonDepth: number
}

/** A token bucket: `burst` requests at once, refilled at `perSecond`. */
export interface RateLimit {
  readonly perSecond: number
  readonly burst: number
}

/**
 * Far above what one person's client or a busy integration does (the test suites hold 200
 * subscriptions on one socket and start 105 runs in one batch; the server benchmark drives 50
 * runs at once as one principal), far below what exhausts the server.
 */
export const defaultLimits: Limits = {
  maxBatchSize: 500,
  maxSubscriptionsPerSocket: 500,
  maxConcurrentRuns: 250,
  rateLimit: { perSecond: 500, burst: 1000 },
  reauthenticateMs: 10_000,
  maxJsonDepth: 32,
}
