import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Countersign } from '@countersign/core'
import { runToPromise } from './internal/effects.js'

/** A run id no run has: reading it asks the store a real question without touching anything. */
const probeRunId = 'countersign:readiness-probe'

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

/**
 * `GET /healthz` (the process answers) and `GET /readyz` (the store answers); true when the
 * request was one of them. While the server shuts down it answers every request 503 before this.
 */
export const handleProbe = async (
  req: IncomingMessage,
  res: ServerResponse,
  countersign: Countersign,
): Promise<boolean> => {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname
  if (req.method !== 'GET' || (path !== '/healthz' && path !== '/readyz')) return false
  if (path === '/healthz') {
    json(res, 200, { status: 'ok' })
    return true
  }
  try {
    await runToPromise(countersign.store.getRun(probeRunId))
    json(res, 200, { status: 'ready' })
  } catch (error) {
    json(res, 503, { status: 'unavailable', reason: error instanceof Error ? error.message : String(error) })
  }
  return true
}
