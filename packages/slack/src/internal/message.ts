import type { Notification, RequirementSummary } from '@countersign/core'
import { actionIds, answerOf, encodeRef } from './actions.js'
import { escapeMrkdwn, truncate } from './text.js'

/*
 * A notification as a Slack message (Block Kit): what is asked, by which agent, for whom, with
 * the call's arguments; the buttons to decide it while it is open; who decided it, and how, once
 * it is not. Every text that comes from a run is escaped or plain text.
 */

export type Block = Readonly<Record<string, unknown>>

export interface SlackMessage {
  /** The notification's fallback text (and what a phone's notification shows). */
  readonly text: string
  readonly blocks: ReadonlyArray<Block>
}

const plain = (text: string, max = 3000) => ({ type: 'plain_text', text: truncate(text, max), emoji: false })
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text: truncate(text, 3000) })

/** A time as Slack shows it in the reader's own time zone, with a UTC fallback. */
const slackDate = (epochMs: number) =>
  `<!date^${Math.floor(epochMs / 1000)}^{date_short_pretty} {time}|${new Date(epochMs).toISOString()}>`

const button = (actionId: string, text: string, value: string, style?: 'primary' | 'danger') => ({
  type: 'button',
  action_id: actionId,
  text: plain(text, 75),
  value,
  ...(style === undefined ? {} : { style }),
})

const buttonsFor = (requirement: RequirementSummary) => {
  const ref = encodeRef(requirement)
  switch (answerOf(requirement)) {
    case 'decision':
      return [
        button(actionIds.approve, 'Approve', ref, 'primary'),
        button(actionIds.reject, 'Reject…', ref, 'danger'),
      ]
    case 'user_input':
      return [button(actionIds.fill, 'Fill in…', ref, 'primary')]
    case 'external_result':
      return [button(actionIds.result, 'Hand back result…', ref, 'primary')]
    case 'panel':
      return []
  }
}

const linkButton = (link: string) => ({
  type: 'button',
  action_id: actionIds.open,
  text: plain('Open in Countersign', 75),
  url: link,
})

/** What is asked, and of whom: the agent, the person the run is for, the tool and its arguments, why. */
const details = (notification: Notification, requirement: RequirementSummary): ReadonlyArray<Block> => {
  const { run } = notification
  const requester = run.principal.name ?? run.principal.id
  const facts = [
    `*Agent:* ${escapeMrkdwn(run.agentId)}`,
    `*Requested by:* ${escapeMrkdwn(requester)}`,
    ...(requirement.toolName === undefined ? [] : [`*Tool:* ${escapeMrkdwn(requirement.toolName)}`]),
    ...(requirement.policy === undefined ? [] : [`*Policy:* ${escapeMrkdwn(requirement.policy)}`]),
  ]
  return [
    { type: 'header', text: plain(requirement.title, 150) },
    { type: 'section', text: mrkdwn(facts.join('\n')) },
    ...(requirement.reason === undefined
      ? []
      : [{ type: 'section', text: mrkdwn(`*Why:* ${escapeMrkdwn(requirement.reason)}`) }]),
    ...(requirement.args === undefined
      ? []
      : [
          {
            type: 'rich_text',
            elements: [
              {
                type: 'rich_text_preformatted',
                elements: [{ type: 'text', text: truncate(JSON.stringify(requirement.args, null, 2), 2900) }],
              },
            ],
          },
        ]),
  ]
}

const outcomeWords: Readonly<Record<string, string>> = {
  confirmed: ':white_check_mark: *Approved*',
  rejected: ':x: *Rejected*',
  answered: ':memo: *Answered*',
  result: ':leftwards_arrow_with_hook: *Result handed back*',
  error: ':warning: *Failure handed back*',
  expired: ':hourglass: *Expired*',
  cancelled: ':no_entry_sign: *Cancelled*',
}

/** How it ended, and by whom: `✅ Approved by Alice: "fine"`. */
const outcomeLine = (notification: Notification) => {
  const { decision } = notification
  if (decision === undefined)
    return notification.event === 'requirement.expired' ? outcomeWords['expired']! : ''
  const words = outcomeWords[decision.outcome] ?? `*${escapeMrkdwn(decision.outcome)}*`
  const by = decision.outcome === 'expired' ? '' : ` by ${escapeMrkdwn(decision.by.name ?? decision.by.id)}`
  const note = decision.note === undefined || decision.note === '' ? '' : `: “${escapeMrkdwn(decision.note)}”`
  const edited = decision.editedArgs === undefined ? '' : ' (with changed arguments)'
  return `${words}${by}${edited}${note}`
}

const outcomeText = (notification: Notification) => {
  const { decision } = notification
  if (decision === undefined) return 'expired'
  return decision.outcome === 'expired'
    ? 'expired'
    : `${decision.outcome} by ${decision.by.name ?? decision.by.id}`
}

/** Still open: the buttons, and what changed (escalated, reminded). */
const openMessage = (notification: Notification, requirement: RequirementSummary): SlackMessage => {
  const notes = [
    ...(notification.event === 'requirement.reminded'
      ? [':alarm_clock: Reminder: this still waits for a decision.']
      : []),
    ...(notification.escalation === undefined
      ? []
      : [
          `:arrow_double_up: Escalated (level ${notification.escalation.level})${
            notification.escalation.approverRoles === undefined
              ? ''
              : `: now for ${escapeMrkdwn(notification.escalation.approverRoles.join(', '))}`
          }`,
        ]),
    ...(requirement.expiresAt === undefined ? [] : [`Expires ${slackDate(requirement.expiresAt)}`]),
  ]
  return {
    text: truncate(requirement.title, 3000),
    blocks: [
      ...details(notification, requirement),
      ...(notes.length === 0 ? [] : [{ type: 'context', elements: [mrkdwn(notes.join('  ·  '))] }]),
      {
        type: 'actions',
        block_id: 'countersign_actions',
        elements: [...buttonsFor(requirement), linkButton(notification.link)],
      },
    ],
  }
}

/** Decided, expired or cancelled: who and how, no buttons but the link. */
const closedMessage = (notification: Notification, requirement: RequirementSummary): SlackMessage => ({
  text: truncate(`${requirement.title}: ${outcomeText(notification)}`, 3000),
  blocks: [
    ...details(notification, requirement),
    {
      type: 'section',
      text: mrkdwn(`${outcomeLine(notification)}  ·  ${slackDate(notification.occurredAt)}`),
    },
    { type: 'actions', block_id: 'countersign_link', elements: [linkButton(notification.link)] },
  ],
})

const runEnded = (notification: Notification): SlackMessage => {
  const text = `Run of ${notification.run.agentId} ended: ${notification.run.status}`
  return {
    text,
    blocks: [
      { type: 'section', text: mrkdwn(escapeMrkdwn(text)) },
      { type: 'actions', block_id: 'countersign_link', elements: [linkButton(notification.link)] },
    ],
  }
}

/** The message a notification shows: its requirement open or closed, or a run's end. */
export const messageOf = (notification: Notification): SlackMessage => {
  const { requirement } = notification
  if (requirement === undefined) return runEnded(notification)
  const closed = notification.event === 'requirement.decided' || notification.event === 'requirement.expired'
  return closed ? closedMessage(notification, requirement) : openMessage(notification, requirement)
}
