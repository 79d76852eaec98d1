import { DeliveryFailed } from '@countersign/core'

/**
 * How long a receiver asked to wait (`Retry-After`: seconds, or an HTTP date), in milliseconds;
 * undefined when it did not say, or said something unreadable. At most a day.
 */
export const retryAfterMs = (header: string | null, now: number): number | undefined => {
  if (header === null || header.trim() === '') return undefined
  const seconds = Number(header)
  const wait = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - now
  return Number.isNaN(wait) ? undefined : Math.min(Math.max(0, wait), 24 * 60 * 60 * 1000)
}

/**
 * A receiver's answer that is not a 2xx, as a failure: worth retrying when the receiver may
 * answer otherwise later (408, 429, 5xx), not when it refused this request (other 4xx) or
 * redirected it (redirects are not followed: the endpoint configured is the one that receives).
 */
export const refusal = (status: number, retryAfter: string | null, now: number): DeliveryFailed => {
  const retryable = status === 408 || status === 429 || status >= 500
  const wait = retryable ? retryAfterMs(retryAfter, now) : undefined
  return new DeliveryFailed({
    reason: `the endpoint answered HTTP ${status}`,
    retryable,
    ...(wait === undefined ? {} : { retryAfterMs: wait }),
  })
}
