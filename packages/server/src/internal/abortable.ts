import { Unauthenticated } from '../errors.js'

/** Resolves with `outcome` once `signal` aborts (never without one). */
const abortOf = <A>(signal: AbortSignal | undefined, outcome: A) =>
  new Promise<A>((resolve) => {
    if (signal?.aborted === true) resolve(outcome)
    signal?.addEventListener('abort', () => resolve(outcome), { once: true })
  })

/**
 * The items of `iterable` until `signal` aborts, or until `revoked` does: then it fails
 * Unauthenticated. tRPC aborts a subscription's signal when the client unsubscribes or its
 * socket closes; racing each `next()` against it lets the subscription end while it waits for a
 * live event that may never come. `revoked` is the session's (see `authedProcedure`): the token
 * no longer names the principal the subscription was authorised for.
 */
export async function* untilAborted<A>(
  iterable: AsyncIterable<A>,
  signal: AbortSignal | undefined,
  revoked?: AbortSignal,
) {
  const iterator = iterable[Symbol.asyncIterator]()
  const stopped = Promise.race([abortOf(signal, 'aborted' as const), abortOf(revoked, 'revoked' as const)])
  try {
    while (true) {
      const next = await Promise.race([iterator.next(), stopped])
      if (next === 'revoked') throw new Unauthenticated({ tokenGiven: true })
      if (next === 'aborted' || next.done === true) return
      yield next.value
    }
  } finally {
    await iterator.return?.()
  }
}
