import type { RunEvent } from './types.js'

export interface RunEventHandlers {
  readonly onEvent: (event: RunEvent) => void
  /** The subscription failed for good (not found, not allowed, …); reconnects are silent. */
  readonly onError?: (error: unknown) => void
  /** The run ended and its last event was delivered. */
  readonly onComplete?: () => void
}

export interface Subscription {
  readonly unsubscribe: () => void
}

/**
 * Callbacks as an async iterable: events are queued until read; breaking out of the loop
 * unsubscribes.
 */
export const runEventsIterable = (
  subscribe: (handlers: RunEventHandlers) => Subscription,
): AsyncIterable<RunEvent> => ({
  [Symbol.asyncIterator]() {
    const queue: Array<RunEvent> = []
    let ended: { readonly error?: unknown } | undefined
    let wake: (() => void) | undefined
    const notify = () => {
      wake?.()
      wake = undefined
    }
    const subscription = subscribe({
      onEvent: (event) => {
        queue.push(event)
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
      async next(): Promise<IteratorResult<RunEvent>> {
        while (queue.length === 0 && ended === undefined)
          await new Promise<void>((resolve) => (wake = resolve))
        const event = queue.shift()
        if (event !== undefined) return { done: false, value: event }
        if (ended !== undefined && 'error' in ended) throw ended.error
        return { done: true, value: undefined }
      },
      async return(): Promise<IteratorResult<RunEvent>> {
        subscription.unsubscribe()
        ended ??= {}
        return { done: true, value: undefined }
      },
    }
  },
})
