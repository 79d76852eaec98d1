export interface Subscription {
  readonly unsubscribe: () => void
}

/** What a subscription tells its subscriber: each item, a failure for good, or its end. */
export interface Listener<A> {
  readonly onItem: (item: A) => void
  readonly onError: (error: unknown) => void
  readonly onComplete: () => void
}

/**
 * A subscription's callbacks as an async iterable: items are queued until read; breaking out
 * of the loop unsubscribes.
 */
export const subscriptionIterable = <A>(
  subscribe: (listener: Listener<A>) => Subscription,
): AsyncIterable<A> => ({
  [Symbol.asyncIterator]() {
    const queue: Array<A> = []
    let ended: { readonly error?: unknown } | undefined
    let wake: (() => void) | undefined
    const notify = () => {
      wake?.()
      wake = undefined
    }
    const subscription = subscribe({
      onItem: (item) => {
        queue.push(item)
        notify()
      },
      onError: (error) => {
        ended = { error }
        notify()
      },
      onComplete: () => {
        ended = {}
        notify()
      },
    })
    return {
      async next(): Promise<IteratorResult<A>> {
        while (queue.length === 0 && ended === undefined)
          await new Promise<void>((resolve) => (wake = resolve))
        if (queue.length > 0) return { done: false, value: queue.shift()! }
        if (ended !== undefined && 'error' in ended) throw ended.error
        return { done: true, value: undefined }
      },
      async return(): Promise<IteratorResult<A>> {
        subscription.unsubscribe()
        ended ??= {}
        return { done: true, value: undefined }
      },
    }
  },
})
