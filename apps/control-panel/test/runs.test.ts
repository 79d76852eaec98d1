import { randomBytes } from 'node:crypto'
import type { CountersignClient } from '@countersign/client'
import { describe, expect, it } from 'vitest'
import { phone, screenshot, signIn } from './browser.js'
import { useChromium } from './useChromium.js'
import { usePanelServer } from './panelProcess.js'

/*
 * Runs that can be scanned (issue 22, point 4): the runs page searches, keeps its search in the
 * address, and shows a run whose call was rejected as such, not as a plain green "completed".
 */

const panel = usePanelServer()
const browser = useChromium()

const url = () => panel.server().url

/** Waits for the run's ending, following its events (each pass ends at a pause or the ending). */
const ended = async (client: CountersignClient, runId: string) => {
  for (;;)
    for await (const event of client.runEvents(runId))
      if (event._tag === 'RunCompleted' || event._tag === 'RunFailed') return
}

describe('the runs page', () => {
  it('searches the runs as you type, keeps the search in the address, and shows rejected calls on the status', async () => {
    const uma = panel.client('user-token')
    const abe = panel.client('approver-token')
    const word = `teapot${randomBytes(3).toString('hex')}`
    const refund = async (input: string, approved: boolean) => {
      const paused = await uma.runs.start('finance', input)
      await abe.approvals.decide(paused.activeRequirementIds[0]!, {
        approved,
        ...(approved ? {} : { note: 'No receipt' }),
      })
      await ended(uma, paused.runId)
      return paused.runId
    }
    const rejected = await refund(`Refund order S-1 for 900, a broken ${word}`, false)
    const approved = await refund(`Refund order S-2 for 40, a ${word.toUpperCase()} lid`, true)
    const waiting = (await uma.runs.start('finance', `Refund order S-3 for 15, ${word} cosy`)).runId
    const unrelated = (await uma.runs.start('finance', 'Refund order S-4 for 15, a kettle')).runId

    const page = await signIn(browser(), `${url()}/#/runs`, 'user-token')
    const rows = page.locator('tr[data-run-id]')
    const listed = () => rows.evaluateAll((found) => found.map((row) => row.getAttribute('data-run-id')))
    await page.locator(`tr[data-run-id="${unrelated}"]`).waitFor()

    const search = page.getByRole('searchbox', { name: 'Search' })
    await search.pressSequentially(word.slice(0, 3).toUpperCase() + word.slice(3))
    await page.waitForURL(`**/#/runs?search=${word.slice(0, 3).toUpperCase()}${word.slice(3)}`)
    await expect.poll(listed).toStrictEqual([waiting, approved, rejected])

    // The rejected call shows on the status, in a badge that is not the green of success.
    const badgeOf = (runId: string) => page.locator(`tr[data-run-id="${runId}"] .badge`)
    await expect(badgeOf(rejected).textContent()).resolves.toBe('completed · 1\u00a0rejected')
    await expect(badgeOf(rejected).getAttribute('class')).resolves.toBe('badge warn')
    await expect(badgeOf(approved).textContent()).resolves.toBe('completed · 1\u00a0approved')
    await expect(badgeOf(approved).getAttribute('class')).resolves.toBe('badge ok')
    await expect(badgeOf(waiting).textContent()).resolves.toBe('paused')
    await screenshot(page, 'runs-search')

    // The answer is searched too; nothing found says so.
    await search.fill('No receipt')
    await page.waitForURL('**/#/runs?search=No+receipt')
    await expect.poll(listed).toStrictEqual([rejected])
    await search.fill(`${word}%`)
    await page.getByText(`No run matches “${word}%”.`).waitFor()

    // The address keeps the search: opened elsewhere (a phone), it shows the same runs.
    const elsewhere = await signIn(browser(), `${url()}/#/runs?search=${word}`, 'user-token', phone)
    await expect(elsewhere.getByRole('searchbox', { name: 'Search' }).inputValue()).resolves.toBe(word)
    await elsewhere.locator(`tr[data-run-id="${rejected}"]`).waitFor()
    await expect(
      elsewhere
        .locator('tr[data-run-id]')
        .evaluateAll((found) => found.map((row) => row.getAttribute('data-run-id'))),
    ).resolves.toStrictEqual([waiting, approved, rejected])
    await screenshot(elsewhere, 'runs-search-phone')

    // Emptied, the search lists every run again, and leaves the address.
    await search.fill('')
    await page.waitForURL((address) => address.hash === '#/runs')
    await page.locator(`tr[data-run-id="${unrelated}"]`).waitFor()
  })
})
