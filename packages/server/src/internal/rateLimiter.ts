import { TooManyRequests } from '../errors.js'
import type { RateLimit } from './limits.js'

interface Bucket {
  tokens: number
  at: number
}

/** Above this many principals tracked, those whose buckets have refilled are forgotten. */
const trackedPrincipals = 10_000

/**
 * A token bucket for each principal. `take` lets a request go on, or throws TooManyRequests with
 * how many seconds until it may (at least 1: what `Retry-After` says).
 */
export const makeRateLimiter = (rate: RateLimit | false, now: () => number = Date.now) => {
  const buckets = new Map<string, Bucket>()
  const refilled = (bucket: Bucket, at: number) =>
    rate === false ? 0 : Math.min(rate.burst, bucket.tokens + ((at - bucket.at) / 1000) * rate.perSecond)
  const forgetRefilled = (at: number) => {
    for (const [principalId, bucket] of buckets)
      if (rate !== false && refilled(bucket, at) >= rate.burst) buckets.delete(principalId)
  }
  const take = (principalId: string): void => {
    if (rate === false) return
    const at = now()
    if (buckets.size > trackedPrincipals) forgetRefilled(at)
    const bucket = buckets.get(principalId) ?? { tokens: rate.burst, at }
    bucket.tokens = refilled(bucket, at)
    bucket.at = at
    buckets.set(principalId, bucket)
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1
      return
    }
    const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / rate.perSecond))
    throw new TooManyRequests({ limit: 'requestRate', max: rate.perSecond, retryAfter })
  }
  return { take }
}

export type RateLimiter = ReturnType<typeof makeRateLimiter>
