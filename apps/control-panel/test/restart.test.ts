import { describe, expect, it } from 'vitest'
import { approvalCard, screenshot, signIn, stillSamePage } from './browser.js'
import { useChromium } from './useChromium.js'
import { usePanelServer } from './panelProcess.js'

const panel = usePanelServer()
const browser = useChromium()

describe('the control panel across a server restart', () => {
  it('shows that it is reconnecting while the server is down, then the same pending state, live again, without a reload', async () => {
    const before = await panel.client('user-token').runs.start('finance', 'Refund order C-3 for 120')
    const page = await signIn(browser(), panel.server().url, 'approver-token')
    const card = (runId: string) => approvalCard(page, runId)
    await card(before.runId).waitFor()
    const approvalId = await card(before.runId).getAttribute('data-approval-id')
    await page.locator('[data-connection="connected"]').waitFor()

    await panel.kill()
    await page.locator('[data-connection="reconnecting"]').waitFor()
    await expect(page.getByRole('status').filter({ hasText: 'Reconnecting' }).count()).resolves.toBe(1)
    await screenshot(page, 'reconnecting')

    await panel.start()
    await page.locator('[data-connection="connected"]').waitFor()
    // The same approval still waits: the queue came back from the store, not from the page's memory.
    await expect(page.locator('article.approval').count()).resolves.toBe(1)
    await expect(card(before.runId).getAttribute('data-approval-id')).resolves.toBe(approvalId)

    // And the queue is live again: a request made now appears by itself, and a decision leaves it.
    const after = await panel.client('user-token').runs.start('finance', 'Refund order D-4 for 80')
    await card(after.runId).waitFor()
    await card(before.runId).getByRole('button', { name: 'Approve', exact: true }).click()
    await card(before.runId).waitFor({ state: 'detached' })
    await expect(page.locator('article.approval').count()).resolves.toBe(1)
    expect(await stillSamePage(page)).toBe(true)
  })
})
