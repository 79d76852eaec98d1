/**
 * The wire server process: plain `node:http` on a kernel-assigned loopback port, printing
 * `listening <port>` once it accepts connections, and exiting when its stdin closes (its parent is gone).
 *
 * `POST …/chat/completions` and `POST …/responses` get the next scripted reply; everything under
 * `/__wire/` is the test's control channel (see `index.ts`); any other path is a 404 in OpenAI's error
 * shape. Every API request is recorded.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { makeLongPolls, readBody, sendJson, serveOnLoopback } from '@countersign/wire-kit/server'
import type { ErrorReply, RawReply, RecordedRequest, Reply, TurnReply } from './script.js'
import { chatCompletion, chatStreamEvents } from './internal/chat.js'
import { responseObject, responsesStreamEvents } from './internal/responses.js'

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

const replies: Array<Reply> = []
const requests: Array<Mutable<RecordedRequest>> = []
const { wake, longPoll } = makeLongPolls()

const parse = (text: string): unknown => {
  if (text === '') return undefined
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

const openAIErrorBody = (error: ErrorReply['error']) => ({
  error: {
    message: error.message,
    type: error.type ?? 'server_error',
    param: error.param ?? null,
    code: error.code ?? null,
  },
})

/** Resolves after `ms`, or at once (false) when the client goes away first. */
const wait = (res: ServerResponse, ms: number): Promise<boolean> =>
  new Promise((resolve) => {
    if (ms <= 0) return resolve(true)
    const timer = setTimeout(() => {
      res.off('close', gone)
      resolve(true)
    }, ms)
    const gone = () => {
      clearTimeout(timer)
      resolve(false)
    }
    res.once('close', gone)
  })

const nextTick = () => new Promise((resolve) => setImmediate(resolve))

const field = (body: unknown, key: string): unknown =>
  typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[key] : undefined

/** Writes a stream's frames one by one (so the client reads them in several chunks), with the turn's fault. */
const streamFrames = async (
  res: ServerResponse,
  frames: ReadonlyArray<string>,
  reply: TurnReply,
  cut: () => void,
) => {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
  for (const [sent, frame] of frames.entries()) {
    if (res.destroyed) return
    if (reply.cutAfter === sent) return cut()
    if (reply.holdAfter === sent) return
    if (reply.malformedAfter === sent) {
      res.end('data: {"choices": [{"delta": {"content": "unfinis\n\n')
      return
    }
    res.write(frame)
    await nextTick()
  }
  res.end()
}

const answerTurn = async (
  res: ServerResponse,
  reply: TurnReply,
  request: Mutable<RecordedRequest>,
  api: 'chat' | 'responses',
  cut: () => void,
) => {
  if (!(await wait(res, reply.delayMs ?? 0))) return
  const named = field(request.body, 'model')
  const model = typeof named === 'string' ? named : 'wire-model'
  const streamed = field(request.body, 'stream') === true
  if (!streamed) {
    const body =
      api === 'chat'
        ? chatCompletion(reply, request.index, model)
        : responseObject(reply, request.index, model)
    return sendJson(res, 200, body)
  }
  const frames =
    api === 'chat'
      ? chatStreamEvents(
          reply,
          request.index,
          model,
          field(field(request.body, 'stream_options'), 'include_usage') === true,
        ).map((data) => `data: ${data}\n\n`)
      : responsesStreamEvents(reply, request.index, model).map(
          ({ type, data }) => `event: ${type}\ndata: ${data}\n\n`,
        )
  await streamFrames(res, frames, reply, cut)
}

const answerError = async (res: ServerResponse, reply: ErrorReply) => {
  if (!(await wait(res, reply.delayMs ?? 0))) return
  sendJson(res, reply.status, openAIErrorBody(reply.error), { ...reply.headers })
}

const answerRaw = async (res: ServerResponse, reply: RawReply) => {
  res.writeHead(reply.status ?? 200, { 'content-type': 'text/event-stream', ...reply.headers })
  for (const chunk of typeof reply.body === 'string' ? [reply.body] : reply.body) {
    res.write(chunk)
    await nextTick()
  }
  res.end()
}

const handleApi = async (req: IncomingMessage, res: ServerResponse, text: string) => {
  const pathname = new URL(req.url ?? '/', 'http://wire').pathname
  const api = pathname.endsWith('/chat/completions')
    ? 'chat'
    : pathname.endsWith('/responses')
      ? 'responses'
      : undefined
  if (api === undefined || req.method !== 'POST') {
    return sendJson(
      res,
      404,
      openAIErrorBody({
        message: `openai-wire: no route ${req.method} ${pathname}`,
        type: 'invalid_request_error',
      }),
    )
  }
  const reply = replies.shift()
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value
  }
  const request: Mutable<RecordedRequest> = {
    index: requests.length,
    method: req.method,
    path: req.url ?? '/',
    headers,
    body: parse(text),
    reply: reply?.type ?? 'unscripted',
    closed: false,
    closedByClient: false,
  }
  requests.push(request)
  let cutByServer = false
  res.once('close', () => {
    request.closed = true
    request.closedByClient = !res.writableFinished && !cutByServer
    wake()
  })
  wake()
  const cut = () => {
    cutByServer = true
    res.socket?.destroy()
  }
  if (reply === undefined) {
    return sendJson(
      res,
      400,
      openAIErrorBody({
        message: `openai-wire: no scripted reply left for request ${request.index}`,
        type: 'invalid_request_error',
        code: 'unscripted',
      }),
    )
  }
  if (reply.type === 'error') return answerError(res, reply)
  if (reply.type === 'raw') return answerRaw(res, reply)
  return answerTurn(res, reply, request, api, cut)
}

const handleControl = (req: IncomingMessage, res: ServerResponse, text: string) => {
  const parts = new URL(req.url ?? '/', 'http://wire').pathname.split('/').slice(2)
  const [action, what, value] = parts
  if (req.method === 'POST' && action === 'script') {
    replies.push(...(field(parse(text), 'replies') as ReadonlyArray<Reply>))
    return sendJson(res, 200, { pending: replies.length })
  }
  if (req.method === 'POST' && action === 'reset') {
    replies.length = 0
    requests.length = 0
    return sendJson(res, 200, { pending: 0 })
  }
  if (action === 'requests') return sendJson(res, 200, requests)
  if (action === 'pending') return sendJson(res, 200, { pending: replies.length })
  if (action === 'wait' && what === 'requests') {
    return longPoll(res, () => (requests.length >= Number(value) ? requests : undefined))
  }
  if (action === 'wait' && what === 'closed') {
    return longPoll(res, () => (requests[Number(value)]?.closed ? requests[Number(value)] : undefined))
  }
  sendJson(res, 404, { error: `openai-wire: no control ${req.method} ${req.url}` })
}

const server = createServer((req, res) => {
  readBody(req)
    .then(
      (text) => (req.url?.startsWith('/__wire/') ? handleControl(req, res, text) : handleApi(req, res, text)),
      () => res.destroy(),
    )
    .catch((error: unknown) => {
      process.stderr.write(`openai-wire: ${String(error)}\n`)
      res.destroy()
    })
})

serveOnLoopback(server, 'openai-wire')
