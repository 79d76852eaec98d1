import { Schema } from 'effect'
import { describe, expect, it, vi } from 'vitest'
import {
  approval,
  Channel,
  Countersign,
  DefinitionError,
  defineAgent,
  DeliveryFailed,
  type DeliveryContext,
  MemoryStore,
  type Notification,
  type NotificationsOptions,
  Principal,
  Resolutions,
  ScriptedModel,
  Tool,
} from '../src/index.js'
import { single } from './fixtures.js'

const approver = new Principal({ id: 'boss-grace', roles: ['approver'] })
const panelUrl = 'https://panel.example/cs/'

const financeAgent = () =>
  defineAgent({
    id: 'finance',
    model: ScriptedModel.make((request) =>
      request.messages.some((m) => m._tag === 'Tool')
        ? 'Done.'
        : { toolCalls: [{ name: 'process_refund', args: { orderId: 'A-1', amount: 250 } }] },
    ),
    tools: [
      Tool.make({
        name: 'process_refund',
        description: 'Refund an order',
        parameters: Schema.Struct({ orderId: Schema.String, amount: Schema.Number }),
        approval: approval({ type: 'required', message: 'Refunds need finance' }),
        execute: (args) => `refunded ${args.amount}`,
      }),
    ],
  })

/** A channel that records what it is sent, answering each attempt as `answer` says. */
const recordingChannel = (
  name: string,
  answer: (
    notification: Notification,
    context: DeliveryContext,
  ) => Promise<Record<string, unknown> | void> = () => Promise.resolve({ ok: true }),
) => {
  const received: Array<{ notification: Notification; context: DeliveryContext }> = []
  const channel = Channel.make({
    name,
    deliver: (notification, context) => {
      received.push({ notification, context })
      return answer(notification, context)
    },
  })
  return { channel, received }
}

const appWith = (notifications: NotificationsOptions) =>
  new Countersign({
    agents: [financeAgent()],
    store: MemoryStore.make(),
    sweepEvery: false,
    notifications: { pollEvery: '20 millis', ...notifications },
  })

describe('notifications', () => {
  it('a requirement raised, decided and its run ended reach the routed channel, each once, with a deep link', async () => {
    const { channel, received } = recordingChannel('hook')
    const app = appWith({
      channels: [channel],
      routes: [{ channel: 'hook', events: ['requirement.raised', 'requirement.decided', 'run.ended'] }],
      panelUrl,
    })
    const paused = await app.run('finance', 'Refund A-1', { userId: 'user-ada' })
    const requirement = single(paused.activeRequirements)
    await vi.waitFor(() => expect(received).toHaveLength(1))

    expect(received[0]?.notification).toStrictEqual({
      version: 1,
      id: `${requirement.id}.raised`,
      event: 'requirement.raised',
      occurredAt: requirement.createdAt,
      link: `https://panel.example/cs/#/runs/${paused.runId}/${requirement.id}`,
      run: {
        runId: paused.runId,
        agentId: 'finance',
        status: 'paused',
        userId: 'user-ada',
        principal: { id: 'user-ada' },
        input: 'Refund A-1',
      },
      requirement: {
        runId: paused.runId,
        requirementId: requirement.id,
        kind: 'approval',
        title: 'Approval needed: process_refund',
        toolName: 'process_refund',
        args: { orderId: 'A-1', amount: 250 },
        reason: 'Refunds need finance',
        approvalId: requirement.id,
        approvalType: 'required',
        status: 'pending',
      },
    })
    expect(received[0]?.context).toMatchObject({ attempt: 1, earlier: [] })

    await app.approvals.decide(requirement.id, { approved: true, note: 'fine' }, { principal: approver })
    await vi.waitFor(() => expect(received).toHaveLength(2))
    expect(received[1]?.notification).toMatchObject({
      event: 'requirement.decided',
      requirement: { status: 'approved' },
      decision: { by: { id: 'boss-grace' }, outcome: 'confirmed', note: 'fine' },
    })
    // The channel finds its earlier message about the requirement (Slack updates it).
    expect(received[1]?.context.earlier).toStrictEqual([{ ok: true }])

    await app.continueRun({ runId: paused.runId })
    await vi.waitFor(() => expect(received).toHaveLength(3))
    expect(received[2]?.notification).toMatchObject({
      event: 'run.ended',
      run: { status: 'completed' },
      link: `https://panel.example/cs/#/runs/${paused.runId}`,
    })
    expect(received[2]?.notification.requirement).toBeUndefined()

    await vi.waitFor(async () =>
      expect(
        (await app.deliveries({ runId: paused.runId })).map(({ status, attempts }) => [status, attempts]),
      ).toStrictEqual([
        ['delivered', 1],
        ['delivered', 1],
        ['delivered', 1],
      ]),
    )
    await app.dispose()
  })

  it('routes filter by event, kind, agent, tool, policy and approval type; unmatched notifications write no delivery', async () => {
    const { channel: all } = recordingChannel('all')
    const { channel: none } = recordingChannel('none')
    const { channel: ended } = recordingChannel('ended')
    const app = appWith({
      channels: [all, none, ended],
      routes: [
        {
          channel: 'all',
          kinds: ['approval'],
          agents: ['finance'],
          tools: ['process_refund'],
          approvalTypes: ['required'],
        },
        { channel: 'none', tools: ['delete_file'] },
        { channel: 'none', policies: ['big-refunds'] },
        { channel: 'none', agents: ['support'] },
        { channel: 'ended', events: ['run.ended'] },
      ],
      panelUrl,
    })
    const paused = await app.run('finance', 'Refund A-1')
    const requirement = single(paused.activeRequirements)
    await app.approvals.decide(requirement.id, { approved: false }, { principal: approver })
    await app.continueRun({ runId: paused.runId })

    const written = await app.deliveries({ runId: paused.runId })
    expect(written.map(({ channel, notification }) => [channel, notification.event])).toStrictEqual([
      ['all', 'requirement.raised'],
      ['all', 'requirement.decided'],
      ['ended', 'run.ended'],
    ])
    await app.dispose()
  })

  it('a decision stored with the claim of its continue writes its decided notification once', async () => {
    const { channel, received } = recordingChannel('hook')
    const app = appWith({
      channels: [channel],
      routes: [{ channel: 'hook', events: ['requirement.decided'] }],
      panelUrl,
    })
    const paused = await app.run('finance', 'Refund A-1')
    const requirement = single(paused.activeRequirements)

    const output = await app.continueRun(
      { runId: paused.runId, resolutions: [Resolutions.confirm(requirement.id)] },
      { principal: approver },
    )

    expect(output.status).toBe('completed')
    const written = await app.deliveries({ runId: paused.runId })
    expect(written.map(({ notification }) => notification.event)).toStrictEqual(['requirement.decided'])
    expect(written[0]?.notification).toMatchObject({
      requirement: { requirementId: requirement.id, status: 'approved' },
      decision: { by: { id: 'boss-grace' }, outcome: 'confirmed' },
    })
    await vi.waitFor(() => expect(received).toHaveLength(1))
    await app.dispose()
  })

  it('of two continues deciding the same pause at once, only the stored decision is notified', async () => {
    const app = appWith({
      channels: [recordingChannel('hook').channel],
      routes: [{ channel: 'hook', events: ['requirement.decided'] }],
      panelUrl,
    })
    const paused = await app.run('finance', 'Refund A-1')
    const requirement = single(paused.activeRequirements)

    const continues = await Promise.allSettled(
      [Resolutions.confirm(requirement.id), Resolutions.reject(requirement.id, 'no')].map((resolution) =>
        app.continueRun({ runId: paused.runId, resolutions: [resolution] }, { principal: approver }),
      ),
    )

    // One continue goes on with its decision; the other is refused, and its decision is not stored.
    expect(continues.map(({ status }) => status).sort()).toStrictEqual(['fulfilled', 'rejected'])
    expect(continues.find((outcome) => outcome.status === 'rejected')?.reason).toMatchObject({
      _tag: 'RequirementAlreadyResolved',
    })
    const stored = await app.approvals.get(requirement.id)
    const written = await app.deliveries({ runId: paused.runId })
    expect(written.map(({ notification }) => notification.event)).toStrictEqual(['requirement.decided'])
    expect(written[0]?.notification.requirement?.status).toBe(stored.status)
    await app.dispose()
  })

  it('a retryable failure is tried again with backoff until it goes through; every attempt is counted', async () => {
    let calls = 0
    const { channel, received } = recordingChannel('flaky', () => {
      calls += 1
      return calls < 3
        ? Promise.reject(new DeliveryFailed({ reason: 'HTTP 503', retryable: true }))
        : Promise.resolve({ ok: true })
    })
    const app = appWith({
      channels: [channel],
      routes: [{ channel: 'flaky' }],
      panelUrl,
      retry: { initialDelay: '1 millis', maxDelay: '5 millis' },
    })
    const paused = await app.run('finance', 'Refund A-1')
    await vi.waitFor(async () =>
      expect(await app.deliveries({ runId: paused.runId })).toMatchObject([
        { status: 'delivered', attempts: 3 },
      ]),
    )
    expect(received.map(({ context }) => context.attempt)).toStrictEqual([1, 2, 3])
    expect(new Set(received.map(({ notification }) => notification.id)).size).toBe(1)
    await app.dispose()
  })

  it('a failure that is not retryable, or the last allowed attempt, leaves the delivery failed with its error', async () => {
    const { channel: gone } = recordingChannel('gone', () =>
      Promise.reject(new DeliveryFailed({ reason: 'HTTP 410', retryable: false })),
    )
    const { channel: down } = recordingChannel('down', () => Promise.reject(new Error('connection refused')))
    const app = appWith({
      channels: [gone, down],
      routes: [{ channel: 'gone' }, { channel: 'down' }],
      panelUrl,
      retry: { maxAttempts: 2, initialDelay: '1 millis' },
    })
    const paused = await app.run('finance', 'Refund A-1')
    await vi.waitFor(async () =>
      expect(await app.deliveries({ runId: paused.runId })).toMatchObject([
        { channel: 'gone', status: 'failed', attempts: 1, lastError: 'HTTP 410' },
        { channel: 'down', status: 'failed', attempts: 2, lastError: 'connection refused' },
      ]),
    )
    await app.dispose()
  })

  it('a process started over a store with deliveries pending sends them without being asked anything', async () => {
    const store = MemoryStore.make()
    const down = Channel.make({
      name: 'hook',
      deliver: () =>
        Promise.reject(new DeliveryFailed({ reason: 'HTTP 503', retryable: true, retryAfterMs: 0 })),
    })
    const before = new Countersign({
      agents: [financeAgent()],
      store,
      sweepEvery: false,
      notifications: { channels: [down], routes: [{ channel: 'hook' }], panelUrl, pollEvery: '20 millis' },
    })
    const paused = await before.run('finance', 'Refund A-1')
    await vi.waitFor(async () => expect((await before.deliveries())[0]?.attempts).toBeGreaterThan(0))
    await before.dispose()

    const { channel, received } = recordingChannel('hook')
    const after = new Countersign({
      agents: [financeAgent()],
      store,
      sweepEvery: false,
      notifications: { channels: [channel], routes: [{ channel: 'hook' }], panelUrl, pollEvery: '20 millis' },
    })
    await vi.waitFor(() =>
      expect(received.map(({ notification }) => notification.run.runId)).toStrictEqual([paused.runId]),
    )
    await after.dispose()
  })

  it('options that cannot work are refused at once with DefinitionError', () => {
    const { channel } = recordingChannel('hook')
    const refused = (notifications: NotificationsOptions) => {
      try {
        appWith(notifications)
      } catch (error) {
        return error
      }
      return undefined
    }
    expect(refused({ channels: [channel], routes: [{ channel: 'slack' }], panelUrl })).toBeInstanceOf(
      DefinitionError,
    )
    expect(refused({ channels: [channel, channel], routes: [], panelUrl })).toBeInstanceOf(DefinitionError)
    expect(refused({ channels: [channel], routes: [], panelUrl: 'javascript:alert(1)' })).toBeInstanceOf(
      DefinitionError,
    )
    expect(
      refused({
        channels: [channel],
        routes: [{ channel: 'hook', events: ['requirement.eaten' as never] }],
        panelUrl,
      }),
    ).toBeInstanceOf(DefinitionError)
  })
})
