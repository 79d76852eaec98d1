import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { approvalCard, desktop, markPage, screenshot, signIn } from './browser.js'
import { usePanelServer } from './panelProcess.js'
import { useChromium } from './useChromium.js'

/*
 * The approver's side of the panel in Debian's chromium against a real server process: deciding
 * with the reason and the requesting run in front of them, no decision by a stray click or key,
 * the queue's count in the tab, keys, identical requests decided together, and notifications.
 */

const panel = usePanelServer()
const browser = useChromium()
const url = () => panel.server().url

/** Rejects whatever waits in the queue, so that a test sees only the approvals it starts. */
const emptyQueue = async () => {
  const approver = panel.client('approver-token')
  const { approvals } = await approver.approvals.list({ status: 'pending', limit: 1000 })
  for (const approval of approvals)
    await approver.approvals.decide(approval.id, { approved: false, note: 'cleared by the test' })
}

const refund = (input: string) => panel.client('user-token').runs.start('finance', input)

const titleOf = (page: Page) => page.evaluate(() => document.title)

describe("the approver's experience", () => {
  it('the card says why and who asked; the run opens read only; a rejection asks for a note or an explicit none, and its result stays in view', async () => {
    const run = await refund('Refund order C-1 for 120')
    const approver = await signIn(browser(), url(), 'approver-token')
    const card = approvalCard(approver, run.runId)
    await card.getByText('A refund leaves the company: check the order.').waitFor()
    await card.getByText('Asked by the tool process_refund.').waitFor()
    await screenshot(approver, 'approval-card')

    // Reject with no note: nothing is sent; the note is asked for.
    await card.getByRole('button', { name: 'Reject' }).click()
    await card.getByRole('alert').getByText('Say why you reject it').waitFor()
    const stillWaiting = await panel.client('user-token').runs.get(run.runId)
    expect([stillWaiting.status, stillWaiting.activeRequirementIds]).toStrictEqual([
      'paused',
      run.activeRequirementIds,
    ])

    // The requesting run, as the approver may read it: the conversation up to the call.
    await card.getByRole('link', { name: run.runId }).click()
    await approver.getByText('shown to you because you decide its approval: read only').waitFor()
    const conversation = approver.getByRole('region', { name: 'Conversation' })
    await conversation.getByText('Refund order C-1 for 120').waitFor()
    await conversation.getByText('process_refund').waitFor()
    await expect(approver.getByText('RunNotFound').count()).resolves.toBe(0)
    await screenshot(approver, 'run-for-approver')
    await approver.getByRole('link', { name: '← Approvals' }).click()

    // An explicit "no note", then Reject: decided, and the page says so where it can be seen.
    await card.getByLabel('Reject without a note').check()
    await card.getByRole('button', { name: 'Reject' }).click()
    await card.waitFor({ state: 'detached' })
    const result = approver.locator('.notice.decided')
    await expect(result.textContent()).resolves.toContain('Rejected process_refund from Finance (agent).')
    await expect(result.getByRole('link', { name: 'Open the run' }).getAttribute('href')).resolves.toBe(
      `#/runs/${run.runId}`,
    )
    await expect(result.isVisible()).resolves.toBe(true)
    const decided = await panel.client('user-token').runs.get(run.runId)
    expect(decided.status).toBe('completed')
  })

  it('edit and approve: the call runs with the changed arguments, and the history shows both', async () => {
    const run = await refund('Refund order E-1 for 250')
    const approver = await signIn(browser(), url(), 'approver-token')
    const card = approvalCard(approver, run.runId)
    await card.getByRole('button', { name: 'Edit and approve…' }).click()
    const editor = card.getByRole('group', { name: 'Approve with these arguments' })
    await expect(editor.getByLabel('order').inputValue()).resolves.toBe('E-1')
    await editor.getByLabel('amount').fill('a lot')
    await editor.getByRole('button', { name: 'Approve with changes' }).click()
    await editor.getByText('Enter a number.').waitFor()
    expect((await panel.client('user-token').runs.get(run.runId)).status).toBe('paused')
    await editor.getByLabel('amount').fill('200')
    await screenshot(approver, 'edit-and-approve')
    await editor.getByRole('button', { name: 'Approve with changes' }).click()
    await card.waitFor({ state: 'detached' })
    await approver.locator('.notice.decided').getByText('Approved with changes process_refund').waitFor()
    const done = await panel.client('user-token').runs.get(run.runId)
    expect([done.status, done.content]).toStrictEqual(['completed', 'Done: refunded 200 for order E-1.'])

    await approver.getByRole('link', { name: 'History' }).click()
    const row = approver.locator('tr[data-approval-id]').filter({ hasText: 'E-1' })
    await row.getByText('Approved with changes:').waitFor()
    await expect(row.locator('td').nth(2).textContent()).resolves.toMatch(/amount200.*Asked:.*amount250/)
    await screenshot(approver, 'history-edited')
  })

  it('the count of what waits is in the tab title and the navigation; keys move and focus, but only Enter decides', async () => {
    await emptyQueue()
    const approver = await signIn(browser(), url(), 'approver-token')
    await approver.getByText('Nothing waits for a decision.').waitFor()
    expect(await titleOf(approver)).toBe('Approvals · Countersign')
    const first = await refund('Refund order K-1 for 150')
    const second = await refund('Refund order K-2 for 160')
    await approver.waitForFunction(() => document.title === '(2) Approvals · Countersign')
    await expect(approver.locator('.count-badge').textContent()).resolves.toBe('2')

    const cards = approver.locator('article.approval')
    await approver.keyboard.press('j')
    await expect(cards.nth(0).getAttribute('aria-current')).resolves.toBe('true')
    await approver.keyboard.press('j')
    await expect(cards.nth(1).getAttribute('aria-current')).resolves.toBe('true')
    await approver.keyboard.press('k')
    await expect(cards.nth(0).getAttribute('aria-current')).resolves.toBe('true')
    await approver.keyboard.press('a')
    await expect(approver.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Approve')
    // A key alone decided nothing.
    expect((await panel.client('user-token').runs.get(first.runId)).status).toBe('paused')
    await approver.keyboard.press('Enter')
    await approver.waitForFunction(() => document.title === '(1) Approvals · Countersign')
    expect((await panel.client('user-token').runs.get(first.runId)).status).toBe('completed')

    await approver.keyboard.press('j')
    await approver.keyboard.press('o')
    await approver.waitForURL(`**/#/runs/${second.runId}`)
    await emptyQueue()
  })

  it('identical requests are approved together after a second click, each decided on its own', async () => {
    await emptyQueue()
    const runs = [
      await refund('Refund order D-4 for 40'),
      await refund('Refund order D-4 for 40'),
      await refund('Refund order D-4 for 40'),
    ]
    const other = await refund('Refund order D-5 for 41')
    const approver = await signIn(browser(), url(), 'approver-token')
    const bulk = approver.getByRole('region', { name: '3 identical requests' })
    await bulk.getByText('process_refund').waitFor()
    await bulk.getByRole('button', { name: 'Approve all 3…' }).click()
    // The first click only asks.
    expect((await panel.client('user-token').runs.get(runs[0]!.runId)).status).toBe('paused')
    await bulk.getByRole('button', { name: 'Approve these 3' }).click()
    await approver
      .locator('.notice.decided')
      .getByText('Approved all 3 calls of process_refund from Finance (agent).')
      .waitFor()
    for (const run of runs)
      expect((await panel.client('user-token').runs.get(run.runId)).status).toBe('completed')
    // The different request waits on.
    expect((await panel.client('user-token').runs.get(other.runId)).status).toBe('paused')
    await approvalCard(approver, other.runId).waitFor()
    await emptyQueue()
  })

  it('opted in, a new approval raises a browser notification', async () => {
    await emptyQueue()
    const context = await browser().newContext({ viewport: desktop })
    await context.grantPermissions(['notifications'], { origin: url() })
    // Records each notification the page raises, and raises it as the browser would.
    await context.addInitScript(() => {
      const shown: Array<string> = []
      ;(window as { shownNotifications?: Array<string> }).shownNotifications = shown
      const Browser = window.Notification
      window.Notification = class extends Browser {
        constructor(title: string, options?: NotificationOptions) {
          shown.push(title)
          super(title, options)
        }
      }
    })
    const page = await context.newPage()
    await page.goto(url())
    await page.getByLabel('Token').fill('approver-token')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByText('Nothing waits for a decision.').waitFor()
    await markPage(page)
    await page.getByRole('button', { name: 'Notify me of new approvals' }).click()
    await page.getByRole('button', { name: 'Notifications on' }).waitFor()

    await refund('Refund order N-1 for 300')
    await page.waitForFunction(
      () => ((window as { shownNotifications?: Array<string> }).shownNotifications ?? []).length > 0,
    )
    await expect(
      page.evaluate(() => (window as { shownNotifications?: Array<string> }).shownNotifications),
    ).resolves.toStrictEqual(['Approval needed: process_refund'])
    await context.close()
    await emptyQueue()
  })
})

describe('audit records and grants, for approvers', () => {
  it('the audit page lists each audited call with its outcome and run', async () => {
    const run = await panel.client('user-token').runs.start('exports', 'Export C-1042')
    expect(run.status).toBe('completed')
    const approver = await signIn(browser(), url(), 'approver-token')
    await approver.getByRole('link', { name: 'Audit' }).click()
    const row = approver
      .locator('tr[data-approval-id]')
      .filter({ has: approver.locator(`a[href="#/runs/${run.runId}"]`) })
    await row.waitFor()
    await expect(row.locator('td').allTextContents()).resolves.toEqual([
      expect.stringContaining('export_customer_data'),
      expect.stringContaining('C-1042'),
      'completed',
      expect.any(String),
      run.runId.slice(0, 8),
    ])
    await screenshot(approver, 'audit')
    // The run, as the approver may read it: its timeline says the call was recorded for audit.
    await row.getByRole('link').click()
    await approver.locator('.timeline').getByText('recorded for audit').waitFor()
  })

  it('the grants page shows a grant and its uses, and revokes it with a note: the next call asks again', async () => {
    await emptyQueue()
    const grant = await panel.client('approver-token').grants.create({
      scope: 'session',
      principalId: 'uma',
      sessionId: 'month-end',
      sourceId: 'finance',
      toolName: 'process_refund',
      note: 'month end',
    })
    const covered = await panel
      .client('user-token')
      .runs.start('finance', 'Refund order G-1 for 80', { sessionId: 'month-end' })
    expect(covered.status).toBe('completed')

    const approver = await signIn(browser(), url(), 'approver-token')
    await approver.getByRole('link', { name: 'Grants' }).click()
    const row = approver.locator(`tr[data-grant-id="${grant.id}"]`)
    await row.waitFor()
    await expect(row.locator('td').allTextContents()).resolves.toEqual([
      'active',
      expect.stringContaining('process_refund'),
      expect.stringContaining('month end'),
      '1',
      'Revoke…',
    ])
    await screenshot(approver, 'grants')
    await row.getByRole('button', { name: 'Revoke…' }).click()
    await row.getByLabel('Why').fill('month closed')
    await row.getByRole('button', { name: 'Revoke the grant' }).click()
    await row.waitFor({ state: 'detached' })
    const revoked = await panel.client('approver-token').grants.list({ status: 'revoked' })
    expect(revoked.find(({ id }) => id === grant.id)).toMatchObject({
      id: grant.id,
      revocation: { note: 'month closed', revokedBy: { id: 'abe' } },
    })

    const asked = await panel
      .client('user-token')
      .runs.start('finance', 'Refund order G-2 for 80', { sessionId: 'month-end' })
    expect(asked.status).toBe('paused')
    await emptyQueue()
  })
})
