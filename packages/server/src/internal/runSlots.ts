import { TooManyRequests } from '../errors.js'

/** What a caller over the limit is told to wait: runs take about that long to pause or end. */
const retryAfterSeconds = 1

/**
 * How many runs each principal has working in this process (a `runs.start` or `runs.continue`
 * being answered), at most `max` at once: one more is TooManyRequests before it starts.
 */
export const makeRunSlots = (max: number) => {
  const working = new Map<string, number>()
  const hold = async <A>(principalId: string, work: () => Promise<A>): Promise<A> => {
    const count = working.get(principalId) ?? 0
    if (count >= max)
      throw new TooManyRequests({ limit: 'concurrentRuns', max, retryAfter: retryAfterSeconds })
    working.set(principalId, count + 1)
    try {
      return await work()
    } finally {
      const left = (working.get(principalId) ?? 1) - 1
      if (left === 0) working.delete(principalId)
      else working.set(principalId, left)
    }
  }
  return { hold }
}

export type RunSlots = ReturnType<typeof makeRunSlots>
