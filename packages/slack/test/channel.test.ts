import type { DeliveryContext, Notification } from '@countersign/core'
import { startSlackWire, type SlackWire } from '@countersign/slack-wire'
import { Effect } from 'effect'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { SlackChannel } from '../src/index.js'
import { notificationAbout, slackUsers } from './fixtures.js'

let wire: SlackWire
beforeAll(async () => {
  wire = await startSlackWire({ users: slackUsers })
})
afterAll(() => wire.close())
beforeEach(() => wire.reset())

const channelOf = (options: Partial<SlackChannel.SlackChannelOptions> = {}) =>
  SlackChannel.make({ token: wire.token, apiUrl: wire.apiUrl, channel: 'C0APPROVALS', ...options })

const context = (earlier: DeliveryContext['earlier'] = []): DeliveryContext => ({
  attempt: 1,
  deliveryId: 'd-1',
  earlier,
})

const deliver = (notification: Notification, earlier?: DeliveryContext['earlier'], options = {}) =>
  Effect.runPromise(channelOf(options).deliver(notification, context(earlier)))

const failure = (notification: Notification, earlier?: DeliveryContext['earlier']) =>
  Effect.runPromise(Effect.flip(channelOf().deliver(notification, context(earlier))))

type Block = Record<string, unknown> & { readonly elements?: ReadonlyArray<Record<string, unknown>> }
const actionsOf = (blocks: ReadonlyArray<Block>) =>
  blocks.filter((block) => block.type === 'actions').flatMap((block) => block.elements ?? [])
const buttonIds = (blocks: ReadonlyArray<Block>) => actionsOf(blocks).map((element) => element['action_id'])

const approvalRaised = notificationAbout({
  kind: 'approval',
  title: 'Approval needed: process_refund',
  toolName: 'process_refund',
  args: { amount: 500, memo: '<!channel> pay now & fast' },
  reason: 'Refunds over 100 need sign-off <@U0ROOT>',
  policy: 'large-refunds',
  approvalId: 'req-1',
  expiresAt: Date.UTC(2026, 11, 6),
})

describe('SlackChannel', () => {
  it('posts one message per raised approval: what is asked, by whom, the arguments, Approve / Reject and the link', async () => {
    const receipt = await deliver(approvalRaised)
    const [message] = await wire.messages()
    expect(receipt).toEqual({ channel: 'C0APPROVALS', ts: message!.ts })
    expect(message!.text).toBe('Approval needed: process_refund')
    const blocks = message!.blocks as ReadonlyArray<Block>
    expect(blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'Approval needed: process_refund', emoji: false },
    })
    const shown = JSON.stringify(blocks)
    expect(shown).toContain('*Agent:* finance')
    expect(shown).toContain('*Requested by:* Alice')
    expect(shown).toContain('*Policy:* large-refunds')
    expect(buttonIds(blocks)).toEqual(['countersign_approve', 'countersign_reject', 'countersign_open'])
    const [approve, , open] = actionsOf(blocks)
    expect(JSON.parse(String(approve!['value']))).toEqual({ runId: 'run-1', requirementId: 'req-1' })
    expect(open!['url']).toBe('http://panel.test/approvals/req-1')
    // The arguments are preformatted text, not mrkdwn: nothing in them is a mention.
    const preformatted = blocks.find((block) => block.type === 'rich_text')
    expect(JSON.stringify(preformatted)).toContain('<!channel> pay now & fast')
  })

  it("escapes a run's text in mrkdwn, so that a model cannot ping the channel or mention anyone", async () => {
    await deliver(approvalRaised)
    const [message] = await wire.messages()
    const mrkdwnTexts = (message!.blocks as ReadonlyArray<Block>).flatMap((block) =>
      block.type === 'section' ? [String((block['text'] as { text: string }).text)] : [],
    )
    expect(mrkdwnTexts.join('\n')).toContain('sign-off &lt;@U0ROOT&gt;')
    expect(mrkdwnTexts.join('\n')).not.toMatch(/<[@!]/)
  })

  it('updates the message posted when it was raised once it is decided, saying who decided and how', async () => {
    const receipt = await deliver(approvalRaised)
    const decided = notificationAbout(
      { ...approvalRaised.requirement!, status: 'rejected' },
      {
        event: 'requirement.decided',
        decision: { by: { id: 'ann', name: 'Ann' }, outcome: 'rejected', note: 'Too <b>much</b>' },
      },
    )
    const again = await deliver(decided, [receipt!])
    expect(again).toEqual(receipt)
    const [message] = await wire.messages()
    expect(message!.updates).toBe(1)
    expect(message!.text).toBe('Approval needed: process_refund: rejected by Ann')
    const shown = JSON.stringify(message!.blocks)
    expect(shown).toContain(':x: *Rejected* by Ann: “Too &lt;b&gt;much&lt;/b&gt;”')
    expect(buttonIds(message!.blocks as ReadonlyArray<Block>)).toEqual(['countersign_open'])
    expect((await wire.calls()).map((call) => call.method)).toEqual(['chat.postMessage', 'chat.update'])
  })

  it('says it expired, keeps the buttons with a reminder, and says where an escalation went', async () => {
    const receipt = await deliver(approvalRaised)
    await deliver(notificationAbout(approvalRaised.requirement!, { event: 'requirement.reminded' }), [
      receipt!,
    ])
    let [message] = await wire.messages()
    expect(JSON.stringify(message!.blocks)).toContain('Reminder: this still waits for a decision.')
    expect(buttonIds(message!.blocks as ReadonlyArray<Block>)).toContain('countersign_approve')
    await deliver(
      notificationAbout(approvalRaised.requirement!, {
        event: 'requirement.escalated',
        escalation: { level: 2, approverRoles: ['admin'] },
      }),
      [receipt!],
    )
    ;[message] = await wire.messages()
    expect(JSON.stringify(message!.blocks)).toContain('Escalated (level 2): now for admin')
    await deliver(
      notificationAbout(
        { ...approvalRaised.requirement!, status: 'expired' },
        { event: 'requirement.expired', decision: { by: { id: 'system' }, outcome: 'expired' } },
      ),
      [receipt!],
    )
    ;[message] = await wire.messages()
    expect(message!.updates).toBe(3)
    expect(JSON.stringify(message!.blocks)).toContain(':hourglass: *Expired*')
    expect(buttonIds(message!.blocks as ReadonlyArray<Block>)).toEqual(['countersign_open'])
  })

  it('offers the button of each kind: Fill in for a form, Hand back result for an external call, the link for the rest', async () => {
    await deliver(
      notificationAbout({
        kind: 'user_input',
        title: 'Input needed: book_table',
        fields: [{ name: 'guests', type: 'integer', required: true }],
      }),
    )
    await deliver(notificationAbout({ kind: 'external_execution', title: 'Run outside: deploy' }))
    await deliver(notificationAbout({ kind: 'confirmation', title: 'Confirm: transfer' }))
    await deliver(notificationAbout({ kind: 'route_selection', title: 'Choose a route' }))
    const messages = await wire.messages()
    expect(messages.map((message) => buttonIds(message.blocks as ReadonlyArray<Block>))).toEqual([
      ['countersign_fill', 'countersign_open'],
      ['countersign_result', 'countersign_open'],
      ['countersign_approve', 'countersign_reject', 'countersign_open'],
      ['countersign_open'],
    ])
  })

  it("sends to a person's direct messages when asked, through conversations.open", async () => {
    const receipt = await deliver(approvalRaised, [], { directMessage: () => 'U0ANN' })
    expect(receipt).toMatchObject({ channel: 'D0ANN' })
    expect(
      (await wire.calls()).map((call) => [call.method, call.args['users'] ?? call.args['channel']]),
    ).toEqual([
      ['conversations.open', 'U0ANN'],
      ['chat.postMessage', 'D0ANN'],
    ])
  })

  it('fails retryably with the wait Slack asks for when rate limited, and for good on a setup error', async () => {
    await wire.fail({ method: 'chat.postMessage', rateLimitedFor: 30 })
    expect(await failure(approvalRaised)).toMatchObject({
      _tag: 'DeliveryFailed',
      retryable: true,
      retryAfterMs: 30_000,
    })
    await wire.fail({ method: 'chat.postMessage', error: 'channel_not_found' })
    expect(await failure(approvalRaised)).toMatchObject({
      _tag: 'DeliveryFailed',
      retryable: false,
      reason: 'chat.postMessage: channel_not_found',
    })
    await wire.fail({ method: 'chat.update', error: 'internal_error' })
    expect(
      await failure(notificationAbout(approvalRaised.requirement!, { event: 'requirement.reminded' }), [
        { channel: 'C0APPROVALS', ts: '1.000001' },
      ]),
    ).toMatchObject({ retryable: true, reason: 'chat.update: internal_error' })
    expect(await wire.messages()).toEqual([])
  })

  it('posts a new message for a decision when no earlier one is known', async () => {
    const decided = notificationAbout(
      { ...approvalRaised.requirement!, status: 'approved' },
      { event: 'requirement.decided', decision: { by: { id: 'ann' }, outcome: 'confirmed' } },
    )
    await deliver(decided, [{ unrelated: true }])
    const [message] = await wire.messages()
    expect(JSON.stringify(message!.blocks)).toContain(':white_check_mark: *Approved* by ann')
  })
})
