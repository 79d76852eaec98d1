/**
 * The wire server process: plain `node:http` on a kernel-assigned loopback port, configured by the
 * JSON of its first argument, printing `listening <port>` once it accepts connections, and exiting
 * when its stdin closes (its parent is gone).
 *
 * `POST /api/<method>` is Slack's Web API (see `internal/api.ts`); everything under `/__wire/` is
 * the test's control channel (see `index.ts`), including the interactions it posts to a receiver.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { makeLongPolls, readBody, sendJson, serveOnLoopback } from '@countersign/wire-kit/server'
import type { Fault, SentInteraction, Tampering, WireConfig } from './records.js'
import { answerCall, decodeArgs, makeWorkspace, resetWorkspace } from './internal/api.js'
import {
  blockActions,
  type InputValue,
  postInteraction,
  send,
  viewSubmission,
} from './internal/interactions.js'

const workspace = makeWorkspace(JSON.parse(process.argv[2] ?? '{}') as WireConfig)
const sent: Array<SentInteraction> = []
const { wake, longPoll } = makeLongPolls()

/** Slack's content type for Web API answers. */
const slackJson = { 'content-type': 'application/json; charset=utf-8' }

const bearer = (header: string | undefined) => /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1]

const handleApi = (req: IncomingMessage, res: ServerResponse, text: string) => {
  const method = new URL(req.url ?? '/', 'http://wire').pathname.slice('/api/'.length)
  const contentType = req.headers['content-type']
  let args: Record<string, unknown>
  try {
    args = decodeArgs(contentType, text)
  } catch {
    return sendJson(res, 200, { ok: false, error: 'invalid_json' })
  }
  const fromArgs = typeof args['token'] === 'string' ? args['token'] : undefined
  const answer = answerCall(
    workspace,
    method,
    args,
    bearer(req.headers.authorization) ?? fromArgs,
    contentType,
  )
  wake()
  if (answer.status === 429)
    return sendJson(
      res,
      429,
      { ok: false, error: 'ratelimited' },
      { ...slackJson, 'retry-after': String(answer.retryAfter) },
    )
  sendJson(res, 200, answer.body, slackJson)
}

interface ControlBody {
  readonly url: string
  readonly tampering?: Tampering
  readonly user: string
  readonly channel: string
  readonly ts: string
  readonly actionId: string
  readonly viewId: string
  readonly values: Readonly<Record<string, InputValue>>
  readonly payload: Record<string, unknown>
  readonly index: number
  readonly faults: ReadonlyArray<Fault>
}

const interact = async (res: ServerResponse, post: () => Promise<SentInteraction>) => {
  const record = await post()
  wake()
  sendJson(res, 200, record)
}

const handleControl = async (req: IncomingMessage, res: ServerResponse, text: string) => {
  const [action, what, first, second] = new URL(req.url ?? '/', 'http://wire').pathname.split('/').slice(2)
  const body = (text === '' ? {} : JSON.parse(text)) as ControlBody
  if (req.method === 'GET' && action === 'calls') return sendJson(res, 200, workspace.calls)
  if (req.method === 'GET' && action === 'messages') return sendJson(res, 200, workspace.messages)
  if (req.method === 'GET' && action === 'views') return sendJson(res, 200, workspace.views)
  if (req.method === 'GET' && action === 'sent') return sendJson(res, 200, sent)
  if (action === 'wait' && what === 'calls')
    return longPoll(res, () => (workspace.calls.length >= Number(first) ? workspace.calls : undefined))
  if (action === 'wait' && what === 'views')
    return longPoll(res, () => (workspace.views.length >= Number(first) ? workspace.views : undefined))
  if (action === 'wait' && what === 'messages')
    return longPoll(res, () => (workspace.messages.length >= Number(first) ? workspace.messages : undefined))
  if (action === 'wait' && what === 'message-containing')
    return longPoll(res, () =>
      workspace.messages.find((message) => JSON.stringify(message).includes(decodeURIComponent(first ?? ''))),
    )
  if (action === 'wait' && what === 'updates')
    return longPoll(res, () =>
      workspace.messages.find((message) => message.ts === first && message.updates >= Number(second)),
    )
  if (req.method !== 'POST') return sendJson(res, 404, { error: `slack-wire: no control ${req.url}` })
  switch (action) {
    case 'faults':
      workspace.faults.push(...body.faults)
      return sendJson(res, 200, { faults: workspace.faults.length })
    case 'reset':
      resetWorkspace(workspace)
      sent.length = 0
      return sendJson(res, 200, {})
    case 'click':
      return interact(res, () =>
        postInteraction(workspace, sent, body.url, blockActions(workspace, body), body.tampering),
      )
    case 'submit':
      return interact(res, () =>
        postInteraction(workspace, sent, body.url, viewSubmission(workspace, body), body.tampering),
      )
    case 'post':
      return interact(res, () => postInteraction(workspace, sent, body.url, body.payload, body.tampering))
    case 'replay': {
      const earlier = sent[body.index]
      if (earlier === undefined)
        return sendJson(res, 404, { error: `slack-wire: nothing sent as ${body.index}` })
      return interact(res, () =>
        send(sent, earlier.url, { ...earlier.headers }, earlier.body, { ...earlier.payload }),
      )
    }
  }
  sendJson(res, 404, { error: `slack-wire: no control ${req.method} ${req.url}` })
}

const server = createServer((req, res) => {
  readBody(req)
    .then((text) => {
      if (req.url?.startsWith('/__wire/')) return handleControl(req, res, text)
      if (req.url?.startsWith('/api/') && req.method === 'POST') return handleApi(req, res, text)
      sendJson(res, 404, { ok: false, error: 'unknown_method' })
    })
    .catch((error: unknown) => {
      // A test's mistake (a button that is not there, say) is the control call's answer.
      if (!res.headersSent)
        sendJson(res, 400, { error: error instanceof Error ? error.message : String(error) })
      else res.destroy()
    })
})

serveOnLoopback(server, 'slack-wire')
