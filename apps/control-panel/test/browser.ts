import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { type Browser, chromium, type Page } from 'playwright-core'

/** Debian's chromium: playwright cannot download its own browsers here. */
export const chromiumPath = '/usr/bin/chromium'

export const launchChromium = () =>
  chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })

/** The approver's card for a run's approval, once it is in the queue. */
export const approvalCard = (page: Page, runId: string) =>
  page.locator('article.approval').filter({ has: page.getByText(runId, { exact: true }) })

/** Screenshots of the main pages, kept as artifacts of the run (git-ignored). */
const artifacts = fileURLToPath(new URL('../test-results/', import.meta.url))

export const screenshot = async (page: Page, name: string) => {
  mkdirSync(artifacts, { recursive: true })
  await page.screenshot({ path: `${artifacts}${name}.png`, fullPage: true })
}

export const phone = { width: 390, height: 844 }
export const desktop = { width: 1200, height: 900 }

/**
 * A page of its own (a new context: its own session storage), signed in with `token` through the
 * sign-in form, then marked: `stillSamePage` is true only while it has not been reloaded.
 */
export const signIn = async (
  browser: Browser,
  url: string,
  token: string,
  viewport: { readonly width: number; readonly height: number } = desktop,
) => {
  const context = await browser.newContext({ viewport })
  const page = await context.newPage()
  await page.goto(url)
  await page.getByLabel('Token').fill(token)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByText('Signed in as').waitFor()
  await markPage(page)
  return page
}

export const markPage = (page: Page) =>
  page.evaluate(() => {
    ;(window as { panelTestMark?: true }).panelTestMark = true
  })

export const stillSamePage = (page: Page) =>
  page.evaluate(() => (window as { panelTestMark?: true }).panelTestMark === true)

/** The run id of a run page, from its address (`#/runs/<id>`). */
export const runIdOf = (page: Page) => decodeURIComponent(new URL(page.url()).hash.split('/')[2] ?? '')
