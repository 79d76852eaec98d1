import type { Notification, RequirementSummary } from '@countersign/core'

/*
 * A notification as an email: a subject, plain text and simple HTML with the same details and the
 * link to the control panel. Everything from a run (a model's arguments, a note) is escaped in the
 * HTML and kept to one line in the subject.
 */

export interface EmailContent {
  readonly subject: string
  readonly text: string
  readonly html: string
}

const escapeHtml = (text: string) =>
  text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;')

/** One line, however many the text had: a subject has no room for a header of its own. */
const oneLine = (text: string) => text.replace(/[\r\n]+/g, ' ').trim()

const outcomeWords: Readonly<Record<string, string>> = {
  confirmed: 'Approved',
  rejected: 'Rejected',
  answered: 'Answered',
  result: 'Result handed back',
  error: 'Failure handed back',
  expired: 'Expired',
  cancelled: 'Cancelled',
}

/** What happened, in a few words: `Rejected by ann: "too much"`; undefined while it waits. */
const happened = (notification: Notification): string | undefined => {
  const { decision, escalation } = notification
  if (notification.event === 'requirement.reminded') return 'Reminder: this still waits for a decision'
  if (escalation !== undefined)
    return `Escalated (level ${escalation.level})${escalation.approverRoles === undefined ? '' : `: now for ${escalation.approverRoles.join(', ')}`}`
  if (decision === undefined) return notification.event === 'requirement.expired' ? 'Expired' : undefined
  const words = outcomeWords[decision.outcome] ?? decision.outcome
  const by = decision.outcome === 'expired' ? '' : ` by ${decision.by.name ?? decision.by.id}`
  const note = decision.note === undefined || decision.note === '' ? '' : `: "${decision.note}"`
  return `${words}${by}${decision.editedArgs === undefined ? '' : ' (with changed arguments)'}${note}`
}

/** The facts of a requirement, label and value, in the order a person reads them. */
const facts = (notification: Notification, requirement: RequirementSummary | undefined) =>
  [
    ['Agent', notification.run.agentId],
    ['Requested by', notification.run.principal.name ?? notification.run.principal.id],
    ['Tool', requirement?.toolName],
    ['Why', requirement?.reason],
    ['Policy', requirement?.policy],
    [
      'Expires',
      requirement?.expiresAt === undefined ? undefined : new Date(requirement.expiresAt).toISOString(),
    ],
    ['Run', notification.run.runId],
  ].filter((fact): fact is [string, string] => fact[1] !== undefined)

export const contentOf = (notification: Notification): EmailContent => {
  const { requirement } = notification
  const title = requirement?.title ?? `Run of ${notification.run.agentId} ended: ${notification.run.status}`
  const news = happened(notification)
  const args = requirement?.args === undefined ? undefined : JSON.stringify(requirement.args, null, 2)
  const action = requirement?.status === 'pending' ? 'Decide in Countersign' : 'Open in Countersign'
  const subject = oneLine(`[Countersign] ${news === undefined ? title : `${news} — ${title}`}`)
  const text = [
    title,
    ...(news === undefined ? [] : [news]),
    '',
    ...facts(notification, requirement).map(([label, value]) => `${label}: ${value}`),
    ...(args === undefined ? [] : ['Arguments:', args]),
    '',
    `${action}: ${notification.link}`,
    '',
  ].join('\n')
  const html = [
    '<!doctype html><html><body style="font-family: sans-serif">',
    `<h2>${escapeHtml(title)}</h2>`,
    ...(news === undefined ? [] : [`<p><strong>${escapeHtml(news)}</strong></p>`]),
    '<table>',
    ...facts(notification, requirement).map(
      ([label, value]) => `<tr><th align="left">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`,
    ),
    '</table>',
    ...(args === undefined ? [] : [`<pre>${escapeHtml(args)}</pre>`]),
    `<p><a href="${escapeHtml(notification.link)}">${escapeHtml(action)}</a></p>`,
    '</body></html>',
  ].join('\n')
  return { subject, text, html }
}
