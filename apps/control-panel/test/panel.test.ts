import { describe, expect, it } from 'vitest'
import { approvalCard, phone, runIdOf, screenshot, signIn, stillSamePage } from './browser.js'
import { useChromium } from './useChromium.js'
import { usePanelServer } from './panelProcess.js'

/*
 * The panel in Debian's chromium against a real server process (scripted agents, SQLite), a
 * user's page and an approver's page side by side: every update arrives without a reload.
 */

const panel = usePanelServer()
const browser = useChromium()

const url = () => panel.server().url

describe('the control panel', () => {
  it('refuses a token the server does not know, and signs in and out with one it does', async () => {
    const page = await browser().newPage({ viewport: phone })
    await page.goto(url())
    await page.getByLabel('Token').fill('not-a-token')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('alert').getByText('The server does not recognise this token.').waitFor()
    await screenshot(page, 'sign-in-refused')
    // Signing in asks who the token names: no call that the server refuses a plain user.
    const refused: Array<string> = []
    page.on('response', (response) => {
      if (response.status() >= 400) refused.push(`${response.status()} ${response.url()}`)
    })
    await page.getByLabel('Token').fill('user-token')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await expect(page.locator('[data-role]').textContent()).resolves.toBe('uma')
    await expect(page.locator('[data-role]').getAttribute('data-role')).resolves.toBe('user')
    await page.getByRole('heading', { name: 'Runs' }).waitFor()
    expect(refused).toStrictEqual([])
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('button', { name: 'Sign in' }).waitFor()
    await expect(page.evaluate(() => sessionStorage.length)).resolves.toBe(0)
    await page.close()
  })

  it('an approver approves a refund while the run waits: the run completes, and both pages update without a reload', async () => {
    const user = await signIn(browser(), url(), 'user-token')
    const approver = await signIn(browser(), url(), 'approver-token')
    await approver.getByText('Nothing waits for a decision.').waitFor()
    await expect(user.getByRole('link', { name: 'Approvals' }).count()).resolves.toBe(0)

    // The user starts the refund from the Runs page; it pauses for an approval.
    await user.getByText('Start a run').click()
    const start = user.getByRole('form', { name: 'Start a run' })
    await start.getByLabel('Agent, team or workflow').selectOption('finance')
    await start.getByLabel('Input').fill('Refund order A-1 for 250')
    await start.getByRole('button', { name: 'Start' }).click()
    await user.getByText('Waiting for an approver to decide.').waitFor()
    const runId = runIdOf(user)
    await screenshot(user, 'run-waiting')

    // It appears in the approver's queue by itself, readable: the call's arguments, who asked.
    const card = approvalCard(approver, runId)
    await card.waitFor()
    await expect(card.getByRole('heading').textContent()).resolves.toContain(
      'process_refund from Finance (agent)',
    )
    const args = card.getByRole('region', { name: 'Arguments' })
    await expect(args.locator('dt').allTextContents()).resolves.toStrictEqual(['order', 'amount'])
    await expect(args.locator('dd').allTextContents()).resolves.toStrictEqual(['A-1', '250'])
    await expect(card.locator('dl.meta').textContent()).resolves.toContain('Requested byuma')
    await screenshot(approver, 'approvals')

    await card.getByLabel('Note', { exact: true }).fill('Within policy')
    await card.getByRole('button', { name: 'Approve', exact: true }).click()
    await card.waitFor({ state: 'detached' })
    await approver.getByText('Nothing waits for a decision.').waitFor()

    // The server continues the run on the decision; the user's page follows it to the end.
    await user.locator('.run-status').getByText('completed').waitFor()
    await expect(
      user.getByRole('region', { name: 'Reply' }).locator('.text').textContent(),
    ).resolves.toContain('Done: refunded 250 for order A-1.')
    await user.getByText('approval decided by abe').waitFor()
    await screenshot(user, 'run-completed')

    // The decision is in the approver's history, with who, what and the note.
    await approver.getByRole('link', { name: 'History' }).click()
    const row = approver.locator(`tr[data-approval-id]`).filter({ hasText: 'A-1' })
    await row.waitFor()
    await expect(row.locator('td').allTextContents()).resolves.toEqual([
      'approved',
      expect.stringContaining('process_refund'),
      expect.stringContaining('250'),
      'abe',
      expect.any(String),
      'Within policy',
    ])
    await screenshot(approver, 'history')

    expect([await stillSamePage(user), await stillSamePage(approver)]).toStrictEqual([true, true])
    const stored = await panel.client('user-token').runs.get(runId)
    expect([stored.status, stored.content]).toStrictEqual(['completed', 'Done: refunded 250 for order A-1.'])
  })

  it("a notification's deep link opens the run at its requirement, in view and focused", async () => {
    const started = await panel.client('user-token').runs.start('finance', 'Refund order D-4 for 700')
    const [requirementId] = started.activeRequirementIds
    const page = await signIn(browser(), `${url()}/#/runs/${started.runId}/${requirementId}`, 'user-token')
    const card = page.locator(`[data-requirement-id="${requirementId}"]`)
    await card.getByText('Waiting for an approver to decide.').waitFor()
    await page.locator('.linked').waitFor()
    await expect(card.evaluate((element) => element === document.activeElement)).resolves.toBe(true)
    await expect(card.getAttribute('class')).resolves.toContain('linked')
    // A link without a requirement marks nothing.
    await page.goto(`${url()}/#/runs/${started.runId}`)
    await page.reload()
    await card.getByText('Waiting for an approver to decide.').waitFor()
    await expect(page.locator('.linked').count()).resolves.toBe(0)
  })

  it("a rejection with a note: the agent's reply, on the user's page, gives the approver's reason", async () => {
    const started = await panel.client('user-token').runs.start('finance', 'Refund order B-2 for 900')
    expect(started.status).toBe('paused')
    const user = await signIn(browser(), `${url()}/#/runs/${started.runId}`, 'user-token')
    await user.getByText('Waiting for an approver to decide.').waitFor()
    // On a phone's screen.
    const approver = await signIn(browser(), url(), 'approver-token', phone)
    const card = approvalCard(approver, started.runId)
    await card.getByLabel('Note', { exact: true }).fill('Refunds over 500 need a receipt')
    await card.getByRole('button', { name: 'Reject' }).click()
    await card.waitFor({ state: 'detached' })

    await user.locator('.run-status').getByText('completed').waitFor()
    await expect(user.getByRole('region', { name: 'Reply' }).locator('.text').textContent()).resolves.toBe(
      'I could not refund it. An approver rejected the call to process_refund: Refunds over 500 need a receipt',
    )
    await screenshot(approver, 'approvals-phone')
    expect(await stillSamePage(user)).toBe(true)
  })

  it('the user-input form refuses a wrong type, sending nothing, offers allowed values as a choice, then sends valid answers', async () => {
    const client = panel.client('user-token')
    const started = await client.runs.start('travel', 'Book me a trip')
    const [requirementId] = started.activeRequirementIds
    const page = await signIn(browser(), `${url()}/#/runs/${started.runId}`, 'user-token')
    const sent: Array<string> = []
    page.on('request', (request) => {
      if (request.url().includes('runs.continue')) sent.push(request.postData() ?? '')
    })
    const form = page.locator('form.user-input')
    const nights = form.getByLabel('nights')
    const seat = form.getByLabel('seat')
    const send = form.getByRole('button', { name: 'Send answers' })

    await nights.fill('two')
    await seat.selectOption('aisle')
    await send.click()
    await form.getByText('Nights must be a whole number, not "two".').waitFor()
    await expect(nights.getAttribute('aria-invalid')).resolves.toBe('true')
    await expect(nights.evaluate((input) => input === document.activeElement)).resolves.toBe(true)

    await screenshot(page, 'user-input-refused')
    // The seat is chosen from its allowed values, not typed; only fields that need one have a hint.
    await expect(seat.locator('option').allTextContents()).resolves.toStrictEqual([
      'Choose…',
      'aisle',
      'window',
    ])
    await expect(form.locator('.field').allTextContents()).resolves.not.toContainEqual(
      expect.stringContaining('Text'),
    )

    // Nothing reached the server: the run still waits on the same open requirement.
    const waiting = await client.runs.get(started.runId)
    expect([waiting.status, waiting.activeRequirementIds]).toStrictEqual(['paused', [requirementId]])

    await nights.fill('3')
    await seat.selectOption('window')
    await form.getByLabel('vegetarian').selectOption('true')
    await send.click()
    await page.locator('.run-status').getByText('completed').waitFor()
    await expect(page.getByRole('region', { name: 'Reply' }).locator('.text').textContent()).resolves.toBe(
      'Booked: 3 nights in Lisbon, window seat, vegetarian meals.',
    )
    // One request in all: the valid answers.
    expect(sent).toHaveLength(1)
    expect(JSON.parse(sent[0]!)).toMatchObject({
      runId: started.runId,
      resolutions: [{ requirementId, value: { values: { nights: 3, seat: 'window', vegetarian: true } } }],
    })
  })

  it('a call carried out outside the agent can be reported as failed: the agent is told why', async () => {
    const started = await panel.client('user-token').runs.start('courier', 'Ship P-7')
    const page = await signIn(browser(), `${url()}/#/runs/${started.runId}`, 'user-token')
    const card = page.locator('article.requirement')
    await card.getByRole('heading', { name: /Result from outside needed for/ }).waitFor()
    await card.getByLabel('failed').check()
    await card.getByRole('button', { name: 'Report the failure' }).click()
    await card.getByText('Say why it failed.').waitFor()
    await card.getByLabel('Why it failed').fill('the van broke down')
    await card.getByRole('button', { name: 'Report the failure' }).click()
    await page.locator('.run-status').getByText('completed').waitFor()
    await expect(page.getByRole('region', { name: 'Reply' }).locator('.text').textContent()).resolves.toBe(
      'Not shipped: Error: the van broke down',
    )
  })

  it('a team run shows its member run in the timeline, and its confirmation is answered on the page', async () => {
    const page = await signIn(browser(), url(), 'user-token', phone)
    await page.getByText('Start a run').click()
    const start = page.getByRole('form', { name: 'Start a run' })
    await start.getByLabel('Agent, team or workflow').selectOption('office')
    await start.getByLabel('Input').fill('File the quarterly report')
    await start.getByRole('button', { name: 'Start' }).click()
    const requirement = page.locator('article.requirement')
    await requirement.getByText('by member Clerk').waitFor()
    await page.locator('.timeline').getByText('Member paused for 1 decision').waitFor()
    await requirement.getByRole('button', { name: 'Confirm', exact: true }).click()
    await page.locator('.run-status').getByText('completed').waitFor()
    await page.locator('.timeline').getByText('Member completed').waitFor()
    await screenshot(page, 'team-run-phone')
    await page.getByRole('link', { name: '← All runs' }).click()
    await page.locator('tr[data-run-id]').first().waitFor()
    await screenshot(page, 'runs-phone')
  })
})
