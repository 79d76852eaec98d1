import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ErrorCode, WebClient, type WebAPIPlatformError, type WebAPIRateLimitedError } from '@slack/web-api'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { signature, startSlackWire, type SlackWire } from '../src/index.js'

// The official SDK is the judge: what it gets from the wire is what an integration would see.
/** An interaction payload as the receiver parses it. */
type Payload = { readonly trigger_id: string } & Record<string, unknown>

let wire: SlackWire
let client: WebClient
let receiver: Server
let receiverUrl: string
const received: Array<{ headers: IncomingMessage['headers']; body: string }> = []

const button = (actionId: string, value: string) => ({
  type: 'button' as const,
  action_id: actionId,
  value,
  text: { type: 'plain_text' as const, text: actionId },
})

beforeAll(async () => {
  wire = await startSlackWire({ users: [{ id: 'U0ALICE', name: 'alice' }] })
  client = new WebClient(wire.token, {
    slackApiUrl: wire.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  })
  receiver = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') })
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ response_action: 'errors', errors: { note: 'too short' } }))
    })
  })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/slack`
})
afterAll(async () => {
  await wire.close()
  await new Promise((resolve) => receiver.close(resolve))
})
beforeEach(async () => {
  received.length = 0
  await wire.reset()
})

describe('the Web API', () => {
  it('posts and updates a message, answering with its channel and ts, and records the calls with their blocks', async () => {
    const blocks = [{ type: 'actions', block_id: 'decide', elements: [button('approve', 'r1')] }]
    const posted = await client.chat.postMessage({ channel: 'C0APPROVALS', text: 'Approve?', blocks })
    expect(posted).toMatchObject({ ok: true, channel: 'C0APPROVALS', message: { text: 'Approve?', blocks } })
    expect(posted.ts).toMatch(/^\d+\.\d{6}$/)
    const updated = await client.chat.update({
      channel: 'C0APPROVALS',
      ts: posted.ts!,
      text: 'Approved',
      blocks: [],
    })
    expect(updated).toMatchObject({ ok: true, channel: 'C0APPROVALS', ts: posted.ts, text: 'Approved' })
    expect(await wire.messages()).toEqual([
      { channel: 'C0APPROVALS', ts: posted.ts, text: 'Approved', blocks: [], updates: 1 },
    ])
    expect(await wire.waitForMessage('Approved')).toMatchObject({ ts: posted.ts })
    const calls = await wire.calls()
    expect(calls.map((call) => [call.method, call.token, call.error])).toEqual([
      ['chat.postMessage', wire.token, undefined],
      ['chat.update', wire.token, undefined],
    ])
    expect(calls[0]!.args['blocks']).toEqual(blocks)
  })

  it("answers Slack's errors: a wrong token, an unknown channel or message, a used trigger, a rate limit", async () => {
    const stranger = new WebClient('xoxb-other', { slackApiUrl: wire.apiUrl, retryConfig: { retries: 0 } })
    const platformError = (promise: Promise<unknown>) =>
      promise.then(
        () => undefined,
        (error: WebAPIPlatformError) => [error.code, error.data.error],
      )
    expect(await platformError(stranger.chat.postMessage({ channel: 'C0APPROVALS', text: 'x' }))).toEqual([
      ErrorCode.PlatformError,
      'invalid_auth',
    ])
    expect(await platformError(client.chat.postMessage({ channel: 'C0ELSEWHERE', text: 'x' }))).toEqual([
      ErrorCode.PlatformError,
      'channel_not_found',
    ])
    expect(
      await platformError(client.chat.update({ channel: 'C0APPROVALS', ts: '1.000001', text: 'x' })),
    ).toEqual([ErrorCode.PlatformError, 'message_not_found'])
    expect(
      await platformError(
        client.views.open({
          trigger_id: 'made-up',
          view: { type: 'modal', title: { type: 'plain_text', text: 'x' }, blocks: [] },
        }),
      ),
    ).toEqual([ErrorCode.PlatformError, 'invalid_trigger_id'])
    await wire.fail({ method: 'chat.postMessage', rateLimitedFor: 7 })
    const limited = await client.chat
      .postMessage({ channel: 'C0APPROVALS', text: 'x' })
      .catch((error: WebAPIRateLimitedError) => error)
    expect(limited).toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 7 })
  })

  it('opens a direct message channel for a user of the workspace', async () => {
    const opened = await client.conversations.open({ users: 'U0ALICE' })
    expect(opened.channel?.id).toBe('D0ALICE')
    await client.chat.postMessage({ channel: 'D0ALICE', text: 'for you' })
    const ephemeral = await client.chat.postEphemeral({
      channel: 'C0APPROVALS',
      user: 'U0ALICE',
      text: 'only you',
    })
    expect(ephemeral.message_ts).toMatch(/^\d+\.\d{6}$/)
    expect((await wire.messages()).map((message) => message.channel)).toEqual(['D0ALICE'])
  })
})

describe('interactions', () => {
  const timestampOf = (headers: IncomingMessage['headers']) => String(headers['x-slack-request-timestamp'])

  it('posts a click as a signed, form-encoded block_actions payload whose trigger opens one modal', async () => {
    const posted = await client.chat.postMessage({
      channel: 'C0APPROVALS',
      text: 'Approve?',
      blocks: [{ type: 'actions', block_id: 'decide', elements: [button('reject', 'r1')] }],
    })
    const sent = await wire.click({
      url: receiverUrl,
      user: 'U0ALICE',
      channel: 'C0APPROVALS',
      ts: posted.ts!,
      actionId: 'reject',
    })
    expect(sent.response).toMatchObject({ status: 200, json: { response_action: 'errors' } })
    const [request] = received
    expect(request!.headers['content-type']).toBe('application/x-www-form-urlencoded')
    expect(request!.headers['x-slack-signature']).toBe(
      signature(wire.signingSecret, timestampOf(request!.headers), request!.body),
    )
    expect(Math.abs(Number(timestampOf(request!.headers)) - Date.now() / 1000)).toBeLessThan(60)
    const payload = JSON.parse(new URLSearchParams(request!.body).get('payload')!) as Payload
    expect(payload).toMatchObject({
      type: 'block_actions',
      user: { id: 'U0ALICE', username: 'alice' },
      container: { type: 'message', message_ts: posted.ts, channel_id: 'C0APPROVALS' },
      actions: [{ type: 'button', action_id: 'reject', block_id: 'decide', value: 'r1' }],
    })
    const view = {
      type: 'modal' as const,
      callback_id: 'reject',
      title: { type: 'plain_text' as const, text: 'Reject' },
      blocks: [],
    }
    const opened = await client.views.open({ trigger_id: payload.trigger_id, view })
    expect(opened.view).toMatchObject({ type: 'modal', callback_id: 'reject', state: { values: {} } })
    await expect(client.views.open({ trigger_id: payload.trigger_id, view })).rejects.toMatchObject({
      data: { error: 'invalid_trigger_id' },
    })
  })

  it('refuses to click a button the message does not show', async () => {
    const posted = await client.chat.postMessage({ channel: 'C0APPROVALS', text: 'Approve?' })
    await expect(
      wire.click({
        url: receiverUrl,
        user: 'U0ALICE',
        channel: 'C0APPROVALS',
        ts: posted.ts!,
        actionId: 'approve',
      }),
    ).rejects.toThrow(/has no button/)
    expect(received).toEqual([])
  })

  it("submits a modal's inputs as view_submission state, shaped by each element's type", async () => {
    const posted = await client.chat.postMessage({
      channel: 'C0APPROVALS',
      text: 'Fill in',
      blocks: [{ type: 'actions', block_id: 'decide', elements: [button('fill', 'r1')] }],
    })
    await wire.click({
      url: receiverUrl,
      user: 'U0ALICE',
      channel: 'C0APPROVALS',
      ts: posted.ts!,
      actionId: 'fill',
    })
    const trigger = (
      JSON.parse(new URLSearchParams(received[0]!.body).get('payload')!) as { trigger_id: string }
    ).trigger_id
    const option = (value: string) => ({ text: { type: 'plain_text' as const, text: value }, value })
    const { view } = await client.views.open({
      trigger_id: trigger,
      view: {
        type: 'modal',
        callback_id: 'form',
        private_metadata: 'r1',
        title: { type: 'plain_text', text: 'Form' },
        blocks: [
          {
            type: 'input',
            block_id: 'city',
            label: { type: 'plain_text', text: 'City' },
            element: { type: 'plain_text_input', action_id: 'value' },
          },
          {
            type: 'input',
            block_id: 'size',
            label: { type: 'plain_text', text: 'Size' },
            element: { type: 'static_select', action_id: 'value', options: [option('s'), option('m')] },
          },
          {
            type: 'input',
            block_id: 'note',
            optional: true,
            label: { type: 'plain_text', text: 'Note' },
            element: { type: 'plain_text_input', action_id: 'value' },
          },
        ],
      },
    })
    await wire.submit({
      url: receiverUrl,
      user: 'U0ALICE',
      viewId: view!.id!,
      values: { city: 'Oslo', size: 'm' },
    })
    const payload = JSON.parse(new URLSearchParams(received[1]!.body).get('payload')!) as Payload
    expect(payload).toMatchObject({
      type: 'view_submission',
      user: { id: 'U0ALICE' },
      view: {
        id: view!.id,
        callback_id: 'form',
        private_metadata: 'r1',
        state: {
          values: {
            city: { value: { type: 'plain_text_input', value: 'Oslo' } },
            size: { value: { type: 'static_select', selected_option: option('m') } },
            note: { value: { type: 'plain_text_input', value: null } },
          },
        },
      },
    })
  })

  it('tampers as asked (forged or missing signature, an old timestamp) and replays exact bytes', async () => {
    const payload = { type: 'block_actions' }
    await wire.post(receiverUrl, payload, { signature: 'forged' })
    await wire.post(receiverUrl, payload, { timestampOffsetSeconds: -360 })
    await wire.post(receiverUrl, payload, { signature: 'missing', withoutTimestamp: true })
    const replayed = await wire.replay(1)
    const [forged, old, bare, again] = received
    expect(forged!.headers['x-slack-signature']).not.toBe(
      signature(wire.signingSecret, timestampOf(forged!.headers), forged!.body),
    )
    expect(old!.headers['x-slack-signature']).toBe(
      signature(wire.signingSecret, timestampOf(old!.headers), old!.body),
    )
    expect(Date.now() / 1000 - Number(timestampOf(old!.headers))).toBeGreaterThanOrEqual(359)
    expect(bare!.headers['x-slack-signature']).toBeUndefined()
    expect(bare!.headers['x-slack-request-timestamp']).toBeUndefined()
    expect([again!.body, again!.headers['x-slack-signature']]).toEqual([
      old!.body,
      old!.headers['x-slack-signature'],
    ])
    expect(replayed.index).toBe(3)
  })
})
