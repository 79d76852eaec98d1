/**
 * The items of `iterable` until `signal` aborts. tRPC aborts a subscription's signal when the
 * client unsubscribes or its socket closes; racing each `next()` against it lets the subscription
 * end while it waits for a live event that may never come.
 */
export async function* untilAborted<A>(iterable: AsyncIterable<A>, signal: AbortSignal | undefined) {
  const iterator = iterable[Symbol.asyncIterator]()
  const aborted = new Promise<'aborted'>((resolve) => {
    if (signal?.aborted === true) resolve('aborted')
    signal?.addEventListener('abort', () => resolve('aborted'), { once: true })
  })
  try {
    while (true) {
      const next = await Promise.race([iterator.next(), aborted])
      if (next === 'aborted' || next.done === true) return
      yield next.value
    }
  } finally {
    await iterator.return?.()
  }
}
