import { DeliveryFailed } from '@countersign/core'
import { ErrorCode, WebClient } from '@slack/web-api'

/** How to reach Slack's Web API: the bot token, and the API's URL for a Slack-compatible server. */
export interface SlackConnection {
  /** The bot token (`xoxb-…`). */
  readonly token: string
  /** Slack's Web API URL (default `https://slack.com/api/`): another for a Slack-compatible server. */
  readonly apiUrl?: string
  /** How long a call may take, in milliseconds (default 10 seconds). */
  readonly timeoutMs?: number
}

/**
 * A Web API client that tries each call once: the dispatcher retries failed deliveries with its
 * own backoff (and a rate limit's `Retry-After`), so the client must not wait and retry inside.
 */
export const slackClient = (connection: SlackConnection) =>
  new WebClient(connection.token, {
    ...(connection.apiUrl === undefined ? {} : { slackApiUrl: connection.apiUrl }),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: connection.timeoutMs ?? 10_000,
  })

/** Slack errors that trying again may mend; any other `ok: false` is a setup to fix (a token, a channel). */
const transientErrors = new Set([
  'ratelimited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'team_added_to_org',
])

const errorOf = (error: unknown) =>
  typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : {}

/** A failed Web API call as a delivery failure: retryable or not, with Slack's wait when it gave one. */
export const deliveryFailure = (method: string, error: unknown): DeliveryFailed => {
  const { code, data, retryAfter, statusCode } = errorOf(error)
  if (code === ErrorCode.RateLimitedError && typeof retryAfter === 'number')
    return new DeliveryFailed({
      reason: `${method}: rate limited`,
      retryable: true,
      retryAfterMs: retryAfter * 1000,
    })
  if (code === ErrorCode.PlatformError) {
    const slackError = String(errorOf(data)['error'])
    return new DeliveryFailed({
      reason: `${method}: ${slackError}`,
      retryable: transientErrors.has(slackError),
    })
  }
  if (code === ErrorCode.HTTPError)
    return new DeliveryFailed({
      reason: `${method}: HTTP ${String(statusCode)}`,
      retryable: typeof statusCode === 'number' && statusCode >= 500,
    })
  // The request never got an answer (refused, timed out).
  return new DeliveryFailed({ reason: `${method}: the request failed`, retryable: true })
}
