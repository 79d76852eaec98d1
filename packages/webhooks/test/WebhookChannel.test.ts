import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  Countersign,
  DefinitionError,
  DeliveryFailed,
  MemoryStore,
  type Notification,
} from '@countersign/core'
import { sampleNotification, sampleRequirement, treasurer } from '@countersign/core/testing'
import { Effect } from 'effect'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { InvalidWebhook, WebhookChannel } from '../src/index.js'
import { startReceiver } from './receiver.js'

const directory = mkdtempSync(join(tmpdir(), 'countersign-webhooks-'))
afterAll(() => rmSync(directory, { recursive: true, force: true }))
let files = 0
const recordFile = () => join(directory, `received-${++files}.jsonl`)

const receivers: Array<{ readonly stop: () => Promise<void> }> = []
afterEach(async () => {
  for (const receiver of receivers.splice(0)) await receiver.stop()
})
const receiver = async (secret: string, answers: ReadonlyArray<string> = []) => {
  const started = await startReceiver(secret, recordFile(), answers)
  receivers.push(started)
  return started
}

const notification: Notification = sampleNotification(sampleRequirement('run-1', 'req-1'))
const context = { attempt: 1, deliveryId: `${notification.id}:hook`, earlier: [] }
const attempt = (channel: ReturnType<typeof WebhookChannel.make>) =>
  Effect.runPromise(Effect.either(channel.deliver(notification, context)))

const failureOf = async (channel: ReturnType<typeof WebhookChannel.make>) => {
  const outcome = await attempt(channel)
  if (outcome._tag === 'Right') throw new Error('expected the delivery to fail')
  return outcome.left
}

describe('WebhookChannel', () => {
  it('a requirement raised reaches the endpoint once, signed: the receiver verifies it with standardwebhooks', async () => {
    const secret = WebhookChannel.generateSecret()
    const endpoint = await receiver(secret)
    const store = MemoryStore.make()
    const app = new Countersign({
      agents: [treasurer({ store, onTransfer: () => undefined, gate: 'approval' })],
      store,
      sweepEvery: false,
      notifications: {
        channels: [WebhookChannel.make({ name: 'ops', url: endpoint.url, secret })],
        routes: [{ channel: 'ops' }],
        panelUrl: 'https://panel.example',
        pollEvery: '50 millis',
      },
    })
    const paused = await app.run('treasurer', 'Move 40')
    const requirement = paused.activeRequirements[0]!
    await vi.waitFor(async () =>
      expect(await app.deliveries({ runId: paused.runId })).toMatchObject([{ status: 'delivered' }]),
    )

    const [received, ...more] = endpoint.received()
    expect(more).toStrictEqual([])
    expect(received?.notification).toMatchObject({
      version: 1,
      id: `${requirement.id}.raised`,
      event: 'requirement.raised',
      link: `https://panel.example/#/runs/${paused.runId}/${requirement.id}`,
      requirement: {
        toolName: 'transfer',
        args: { amount: 40 },
        approvalId: requirement.id,
      },
    })
    expect(received?.headers).toMatchObject({
      'webhook-id': `${requirement.id}.raised`,
      'content-type': 'application/json',
    })
    expect(received?.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/)
    // The receivers' helper agrees, and refuses what was not sent.
    expect(WebhookChannel.verify(received!.body, received!.headers, secret)).toStrictEqual(
      received?.notification,
    )
    const tampered = received!.body.replace('"amount":40', '"amount":40000')
    expect(() => WebhookChannel.verify(tampered, received!.headers, secret)).toThrow(InvalidWebhook)
    expect(() =>
      WebhookChannel.verify(received!.body, received!.headers, WebhookChannel.generateSecret()),
    ).toThrow(InvalidWebhook)
    await app.dispose()
  })

  it('during a rotation every request carries a signature by each secret: receivers holding either verify it', async () => {
    const [previous, next] = [WebhookChannel.generateSecret(), WebhookChannel.generateSecret()]
    const channel = (url: string) => WebhookChannel.make({ name: 'ops', url, secret: [next, previous] })
    const onPrevious = await receiver(previous)
    const onNext = await receiver(next)

    expect(await attempt(channel(onPrevious.url))).toMatchObject({ _tag: 'Right', right: { status: 200 } })
    expect(await attempt(channel(onNext.url))).toMatchObject({ _tag: 'Right' })
    const signatures = onPrevious.received()[0]?.headers['webhook-signature']?.split(' ')
    expect(signatures).toHaveLength(2)
    expect(onNext.received()).toHaveLength(1)
  })

  it('a receiver with another secret refuses the request: a failure that is not retried', async () => {
    const endpoint = await receiver(WebhookChannel.generateSecret())
    const failure = await failureOf(
      WebhookChannel.make({ name: 'ops', url: endpoint.url, secret: WebhookChannel.generateSecret() }),
    )
    expect(failure).toMatchObject({
      _tag: 'DeliveryFailed',
      retryable: false,
      reason: 'the endpoint answered HTTP 401',
    })
    expect(endpoint.received()).toStrictEqual([])
  })

  it('5xx, 408 and 429 are retried (after Retry-After when given); other 4xx and redirects are not', async () => {
    const secret = WebhookChannel.generateSecret()
    const endpoint = await receiver(secret, ['503', '429+7', '408', '410', '302', '400'])
    const channel = WebhookChannel.make({ name: 'ops', url: endpoint.url, secret })
    const outcomes = []
    for (let index = 0; index < 6; index++) outcomes.push(await failureOf(channel))

    expect(outcomes.map(({ retryable, retryAfterMs }) => [retryable, retryAfterMs])).toStrictEqual([
      [true, undefined],
      [true, 7000],
      [true, undefined],
      [false, undefined],
      [false, undefined],
      [false, undefined],
    ])
    expect(outcomes.every((outcome) => outcome instanceof DeliveryFailed)).toBe(true)
    expect(endpoint.received()).toStrictEqual([])
  })

  it('an endpoint that does not answer in time, or cannot be reached, is retried', async () => {
    const secret = WebhookChannel.generateSecret()
    const endpoint = await receiver(secret, ['hold'])
    const slow = await failureOf(
      WebhookChannel.make({ name: 'ops', url: endpoint.url, secret, timeout: '300 millis' }),
    )
    expect(slow).toMatchObject({ retryable: true, reason: 'the endpoint did not answer within 300 ms' })

    const stopped = await receiver(secret)
    await stopped.stop()
    const unreachable = await failureOf(WebhookChannel.make({ name: 'ops', url: stopped.url, secret }))
    expect(unreachable).toMatchObject({ retryable: true })
    expect(unreachable.reason).toMatch(/^the endpoint could not be reached/)
  })

  it('an endpoint answering 2xx with a body that never ends cannot hold the sender: the body is not read', async () => {
    const secret = WebhookChannel.generateSecret()
    const endpoint = await receiver(secret, ['endless'])
    const outcome = await attempt(
      WebhookChannel.make({ name: 'ops', url: endpoint.url, secret, timeout: '5 seconds' }),
    )
    expect(outcome).toMatchObject({ _tag: 'Right', right: { status: 200 } })
  })

  it('options that cannot work are refused with DefinitionError', () => {
    const secret = WebhookChannel.generateSecret()
    const made = (options: Partial<WebhookChannel.Options>) => () =>
      WebhookChannel.make({ name: 'ops', url: 'https://hooks.example/in', secret, ...options })
    expect(made({ url: 'ftp://hooks.example/in' })).toThrow(DefinitionError)
    expect(made({ url: 'not a url' })).toThrow(DefinitionError)
    expect(made({ secret: 'whsec_c2hvcnQ=' })).toThrow(/at least 24 bytes/)
    expect(made({ secret: 'whsec_not base64!' })).toThrow(DefinitionError)
    expect(made({ secret: [] })).toThrow(DefinitionError)
    expect(made({ timeout: '0 millis' })).toThrow(DefinitionError)
    expect(made({})).not.toThrow()
  })
})
