import type { DeliveryContext, Notification } from '@countersign/core'
import { Effect } from 'effect'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EmailChannel } from '../src/index.js'
import { startSmtpServer } from './smtp.js'

let smtp: Awaited<ReturnType<typeof startSmtpServer>>
beforeAll(async () => {
  smtp = await startSmtpServer()
})
afterAll(() => smtp.close())

const raised: Notification = {
  version: 1,
  id: 'req-1.raised',
  event: 'requirement.raised',
  occurredAt: Date.UTC(2026, 11, 5, 9, 30),
  link: 'http://panel.test/#/runs/run-1/req-1',
  run: {
    runId: 'run-1',
    agentId: 'finance',
    status: 'paused',
    principal: { id: 'alice' },
    input: 'Refund 42',
  },
  requirement: {
    runId: 'run-1',
    requirementId: 'req-1',
    kind: 'approval',
    title: 'Approval needed: process_refund',
    toolName: 'process_refund',
    args: { amount: 500, memo: '<script>alert(1)</script>' },
    reason: 'Refunds over 100',
    status: 'pending',
  },
}

const context = (earlier: DeliveryContext['earlier'] = []): DeliveryContext => ({
  attempt: 1,
  deliveryId: 'd',
  earlier,
})

const channelTo = (options: Partial<EmailChannel.EmailChannelOptions>) =>
  EmailChannel.make({
    transport: smtp.url,
    from: '"Countersign" <countersign@example.test>',
    to: ['approvers@example.test'],
    ...options,
  })

describe('EmailChannel', () => {
  it('sends the details and the deep link, as text and as HTML with everything from the run escaped', async () => {
    const before = smtp.count()
    const receipt = await Effect.runPromise(channelTo({}).deliver(raised, context()))
    const mail = (await smtp.messages(before + 1))[before]!
    expect(mail.to).toEqual(['approvers@example.test'])
    expect(mail.parsed.subject).toBe('[Countersign] Approval needed: process_refund')
    expect(mail.parsed.messageId).toBe((receipt as { messageId: string }).messageId)
    expect(mail.parsed.text).toContain('Agent: finance')
    expect(mail.parsed.text).toContain('Decide in Countersign: http://panel.test/#/runs/run-1/req-1')
    expect(mail.parsed.html).toContain(
      '<a href="http://panel.test/#/runs/run-1/req-1">Decide in Countersign</a>',
    )
    expect(mail.parsed.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(mail.parsed.html).not.toContain('<script>')
  })

  it('answers the first message when the requirement is decided: who decided and how, in one thread', async () => {
    const before = smtp.count()
    const first = await Effect.runPromise(channelTo({}).deliver(raised, context()))
    const decided: Notification = {
      ...raised,
      id: 'req-1.decided',
      event: 'requirement.decided',
      requirement: { ...raised.requirement!, status: 'rejected' },
      decision: { by: { id: 'ann' }, outcome: 'rejected', note: 'Not now\r\nBcc: everyone@example.test' },
    }
    await Effect.runPromise(channelTo({}).deliver(decided, context([first!])))
    const mail = (await smtp.messages(before + 2))[before + 1]!
    // A line break in a person's note adds no header: the subject is one line.
    expect(mail.parsed.subject).toBe(
      '[Countersign] Rejected by ann: "Not now Bcc: everyone@example.test" — Approval needed: process_refund',
    )
    expect(mail.parsed.headers.has('bcc')).toBe(false)
    expect(mail.to).toEqual(['approvers@example.test'])
    expect(mail.parsed.inReplyTo).toBe((first as { messageId: string }).messageId)
    expect(mail.parsed.text).toContain('Open in Countersign: http://panel.test/#/runs/run-1/req-1')
  })

  it('fails retryably on a 4xx reply or no connection, and for good on a 5xx reply', async () => {
    await smtp.rejectNext(451)
    expect(await Effect.runPromise(Effect.flip(channelTo({}).deliver(raised, context())))).toMatchObject({
      _tag: 'DeliveryFailed',
      reason: 'SMTP 451',
      retryable: true,
    })
    await smtp.rejectNext(550)
    expect(await Effect.runPromise(Effect.flip(channelTo({}).deliver(raised, context())))).toMatchObject({
      reason: 'SMTP 550',
      retryable: false,
    })
    const nowhere = channelTo({ transport: 'smtp://127.0.0.1:1' })
    expect(await Effect.runPromise(Effect.flip(nowhere.deliver(raised, context())))).toMatchObject({
      reason: 'sending failed (ESOCKET)',
      retryable: true,
    })
  })

  it('sends nothing when a notification has no recipients', async () => {
    const before = smtp.count()
    expect(
      await Effect.runPromise(channelTo({ to: () => undefined }).deliver(raised, context())),
    ).toBeUndefined()
    await Effect.runPromise(channelTo({}).deliver(raised, context()))
    expect((await smtp.messages(before + 1)).length).toBe(before + 1)
  })
})
