import type { ServerResponse } from 'node:http'
import { getTRPCErrorShape, transformTRPCResponse } from '@trpc/server'
import { getHTTPStatusCodeFromError } from '@trpc/server/http'
import { BatchTooLarge, toTRPCError } from '../errors.js'
import type { AppRouter } from '../router.js'

/** How many procedures an HTTP request calls: the comma-separated paths of a `?batch=1` request. */
export const callsOf = (url: URL): number =>
  url.searchParams.get('batch') === '1' ? url.pathname.split(',').length : 1

/**
 * Answers a batch of more than `maxCalls` calls before tRPC reads it, as tRPC answers a request
 * it cannot take apart (one error for every call): PAYLOAD_TOO_LARGE, BatchTooLarge.
 */
export const refuseBatch = (res: ServerResponse, router: AppRouter, maxCalls: number) => {
  const config = router._def._config
  const error = toTRPCError(new BatchTooLarge({ maxCalls }))
  const shape = getTRPCErrorShape({
    config,
    error,
    type: 'unknown',
    path: undefined,
    input: undefined,
    ctx: undefined,
  })
  // The body is not read: the connection is not reused for what follows it.
  res.writeHead(getHTTPStatusCodeFromError(error), {
    'content-type': 'application/json',
    connection: 'close',
  })
  res.end(JSON.stringify(transformTRPCResponse(config, { error: shape })))
}
