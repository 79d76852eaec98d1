import { type DependencyList, useCallback, useEffect, useState } from 'react'

export interface Resource<A> {
  /** The last value loaded: kept while it is loaded again, so a reload does not blank the page. */
  readonly data: A | undefined
  readonly error: unknown
  readonly loading: boolean
  readonly reload: () => void
}

/** Loads `load()` when a dependency changes or `reload` is called; a late answer to an older load is dropped. */
export const useResource = <A>(load: () => Promise<A>, deps: DependencyList): Resource<A> => {
  const [state, setState] = useState<{ data?: A; error?: unknown; loading: boolean }>({ loading: true })
  const [round, setRound] = useState(0)
  const reload = useCallback(() => setRound((count) => count + 1), [])
  useEffect(() => {
    let current = true
    setState((previous) => ({ ...previous, loading: true }))
    load().then(
      (data) => current && setState({ data, loading: false }),
      (error: unknown) => current && setState((previous) => ({ ...previous, error, loading: false })),
    )
    return () => {
      current = false
    }
    // The caller's dependencies stand for `load`, which is a new function on every render.
  }, [...deps, round])
  return { data: state.data, error: state.error, loading: state.loading, reload }
}
