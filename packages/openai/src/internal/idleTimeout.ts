/** A bound on the silence inside a stream: the SDK's own `timeout` only covers the wait for the response to start. */
import { ModelError } from '@countersign/core'

/**
 * The stream's items, failing with a retryable `timeout` ModelError — and aborting the request — when
 * `ms` pass without one: a server that stalls mid-stream must not hold the run for ever.
 */
export async function* idleTimeout<A>(
  model: string,
  stream: AsyncIterable<A> & { readonly controller: AbortController },
  ms: number,
): AsyncGenerator<A> {
  const iterator = stream[Symbol.asyncIterator]()
  let silent: (error: ModelError) => void = () => undefined
  const timedOut = new Promise<never>((_, reject) => (silent = reject))
  // Handled here, so that a timer firing after the stream ended rejects nothing unheard.
  timedOut.catch(() => undefined)
  const timer = setTimeout(() => {
    stream.controller.abort()
    silent(
      new ModelError({
        model,
        reason: `the stream sent nothing for ${ms} ms`,
        code: 'timeout',
        retryable: true,
      }),
    )
  }, ms)
  try {
    for (;;) {
      const next = await Promise.race([iterator.next(), timedOut])
      if (next.done) return
      timer.refresh()
      yield next.value
    }
  } finally {
    clearTimeout(timer)
  }
}
