import type { Notification, RequirementSummary } from '@countersign/core'

/** The Slack workspace of the tests: who can click, and who they are in Countersign. */
export const slackUsers = [
  { id: 'U0ANN', name: 'ann' },
  { id: 'U0ALICE', name: 'alice' },
  { id: 'U0GRACE', name: 'grace' },
  { id: 'U0ROOT', name: 'root' },
  { id: 'U0STRANGER', name: 'stranger' },
] as const

/** A notification about a requirement, as the dispatcher hands it to a channel. */
export const notificationAbout = (
  requirement: Partial<RequirementSummary> & Pick<RequirementSummary, 'kind' | 'title'>,
  extra: Partial<Notification> = {},
): Notification => ({
  version: 1,
  id: `n-${Math.random()}`,
  event: 'requirement.raised',
  occurredAt: Date.UTC(2026, 11, 5, 9, 30),
  link: 'http://panel.test/approvals/req-1',
  run: {
    runId: 'run-1',
    agentId: 'finance',
    status: 'paused',
    userId: 'alice',
    principal: { id: 'alice', name: 'Alice' },
    input: 'Refund order 42',
  },
  requirement: { runId: 'run-1', requirementId: 'req-1', status: 'pending', ...requirement },
  ...extra,
})
