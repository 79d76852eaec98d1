import { getTRPCErrorShape, transformTRPCResponse } from '@trpc/server'
import { type RawData, WebSocket } from 'ws'
import { BatchTooLarge, PayloadTooLarge, toTRPCError } from '../errors.js'
import type { AppRouter } from '../router.js'

export interface SocketLimits {
  /** The largest message a procedure is called with; a larger one is answered PAYLOAD_TOO_LARGE. */
  readonly maxPayload: number
  /** How far behind (bytes queued to send) a client may fall before it is disconnected. */
  readonly maxBufferedBytes: number
  /** The most requests one message may hold; each of a larger one is answered BATCH_TOO_LARGE. */
  readonly maxBatchSize: number
}

/**
 * How many times `maxPayload` a message may be and still be read for its request ids: up to it,
 * an oversized request is answered with a typed error and the connection stays; beyond it, `ws`
 * closes the socket with 1009 without reading further.
 */
export const hardLimitFactor = 4

const sizeOf = (data: RawData) =>
  Array.isArray(data) ? data.reduce((size, chunk) => size + chunk.length, 0) : data.byteLength

/** A message that is a JSON array: a batch, whose length is worth a look (tRPC parses it again). */
const mayBeBatch = (data: RawData) => {
  const bytes = Array.isArray(data) ? data[0] : Buffer.isBuffer(data) ? data : Buffer.from(data)
  return bytes !== undefined && bytes.subarray(0, 64).toString('utf8').trimStart().startsWith('[')
}

const textOf = (data: RawData) => {
  const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data)
  return bytes.toString('utf8')
}

const isProcedureType = (method: unknown): method is 'query' | 'mutation' | 'subscription' =>
  method === 'query' || method === 'mutation' || method === 'subscription'

/** The requests of a tRPC message (one, or a batch), as far as answering them needs: id, type, path. */
const requestsOf = (text: string) => {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return []
  }
  return (Array.isArray(parsed) ? parsed : [parsed]).flatMap((message: unknown) => {
    if (typeof message !== 'object' || message === null) return []
    const { id, method, params } = message as Record<string, unknown>
    if (typeof id !== 'number' && typeof id !== 'string') return []
    if (!isProcedureType(method)) return []
    const path =
      typeof params === 'object' && params !== null ? (params as { path?: unknown }).path : undefined
    return [{ id, type: method, path: typeof path === 'string' ? path : undefined }]
  })
}

/**
 * The server side of a WebSocket connection, with the server's limits: `ws` itself only closes a
 * socket whose message is too large, and queues without bound what a client does not read.
 *
 * - A message over `maxPayload` is not handed to tRPC: each request in it is answered
 *   PAYLOAD_TOO_LARGE (`PayloadTooLarge`, with the limit), and the connection goes on. One whose
 *   requests cannot be told closes the socket with 1009, as `ws` does.
 * - A message of more than `maxBatchSize` requests is not handed to tRPC either: each is answered
 *   PAYLOAD_TOO_LARGE (`BatchTooLarge`, with the limit), and none runs.
 * - A client that has fallen more than `maxBufferedBytes` behind is cut off rather than buffered
 *   for: its subscriptions' events were tracked, so it reconnects and resumes after the last one
 *   it received.
 */
export const limitedWebSocket = (router: AppRouter, limits: SocketLimits): typeof WebSocket =>
  class LimitedWebSocket extends WebSocket {
    override emit(event: string | symbol, ...args: Array<unknown>): boolean {
      const data = args[0] as RawData
      if (event !== 'message') return super.emit(event, ...args)
      if (sizeOf(data) > limits.maxPayload) {
        this.refuse(data, new PayloadTooLarge({ maxBytes: limits.maxPayload }))
        return true
      }
      if (mayBeBatch(data)) {
        const requests = requestsOf(textOf(data))
        if (requests.length > limits.maxBatchSize) {
          this.answer(requests, new BatchTooLarge({ maxCalls: limits.maxBatchSize }))
          return true
        }
      }
      return super.emit(event, ...args)
    }

    override send(data: Parameters<WebSocket['send']>[0], cb?: (err?: Error) => void): void
    override send(
      data: Parameters<WebSocket['send']>[0],
      options: Parameters<WebSocket['send']>[1],
      cb?: (err?: Error) => void,
    ): void
    override send(...args: [Parameters<WebSocket['send']>[0], ...Array<never>]): void {
      // Judged before adding more: one large event on a socket that keeps up always goes out.
      if (this.bufferedAmount > limits.maxBufferedBytes) return this.terminate()
      super.send(...args)
    }

    private refuse(data: RawData, refusal: PayloadTooLarge) {
      const requests = requestsOf(textOf(data))
      if (requests.length === 0) return this.close(1009, 'message too big')
      this.answer(requests, refusal)
    }

    /** Answers each request with the same typed error, none of them run. */
    private answer(requests: ReturnType<typeof requestsOf>, refusal: PayloadTooLarge | BatchTooLarge) {
      const config = router._def._config
      const error = toTRPCError(refusal)
      for (const { id, type, path } of requests) {
        const shape = getTRPCErrorShape({ config, error, type, path, input: undefined, ctx: undefined })
        this.send(JSON.stringify(transformTRPCResponse(config, { id, error: shape })))
      }
    }
  }
