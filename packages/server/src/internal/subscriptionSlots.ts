/**
 * `iterable`, calling `release` once when it ends: done, failed, or returned early (tRPC returns
 * a subscription's iterator when it stops).
 */
export const releasingWhenDone = <A>(iterable: AsyncIterable<A>, release: () => void): AsyncIterable<A> => ({
  [Symbol.asyncIterator]() {
    const iterator = iterable[Symbol.asyncIterator]()
    return {
      next: async () => {
        try {
          const next = await iterator.next()
          if (next.done === true) release()
          return next
        } catch (error) {
          release()
          throw error
        }
      },
      return: async (value?: unknown) => {
        release()
        return (await iterator.return?.(value)) ?? { done: true, value: undefined }
      },
    }
  },
})

/** A release that does its work once, however many ways the end is signalled. */
export const once = (release: () => void) => {
  let released = false
  return () => {
    if (released) return
    released = true
    release()
  }
}
