import { useEffect, useState } from 'react'

/** The pages, addressed by the URL's hash (`#/runs/<id>`): the server needs to know none of them. */
export type Route =
  | { readonly page: 'approvals' }
  | { readonly page: 'history' }
  | { readonly page: 'audit' }
  | { readonly page: 'grants' }
  /** `search`: the runs page's search, kept in its address (`#/runs?search=teapot`). */
  | { readonly page: 'runs'; readonly search?: string }
  /** `requirementId`: a notification's deep link (`#/runs/<id>/<requirement id>`) to one of its requirements. */
  | { readonly page: 'run'; readonly runId: string; readonly requirementId?: string }
  | { readonly page: 'home' }

export const parseRoute = (hash: string): Route => {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?')
  const [, page, id, requirementId] = path.split('/')
  if (page === 'approvals' || page === 'history' || page === 'audit' || page === 'grants') return { page }
  if (page === 'runs' && id !== undefined && id !== '')
    return requirementId === undefined || requirementId === ''
      ? { page: 'run', runId: decodeURIComponent(id) }
      : { page: 'run', runId: decodeURIComponent(id), requirementId: decodeURIComponent(requirementId) }
  if (page === 'runs') {
    const search = new URLSearchParams(query).get('search') ?? ''
    return search === '' ? { page } : { page, search }
  }
  return { page: 'home' }
}

export const hrefOf = (route: Route) =>
  route.page === 'run'
    ? `#/runs/${encodeURIComponent(route.runId)}${
        route.requirementId === undefined ? '' : `/${encodeURIComponent(route.requirementId)}`
      }`
    : route.page === 'runs' && route.search !== undefined && route.search !== ''
      ? `#/runs?${new URLSearchParams({ search: route.search }).toString()}`
      : `#/${route.page === 'home' ? '' : route.page}`

export const navigate = (route: Route) => {
  window.location.hash = hrefOf(route)
}

export const useRoute = () => {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash))
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash))
    window.addEventListener('hashchange', onChange)
    return () => window.removeEventListener('hashchange', onChange)
  }, [])
  return route
}
