import { describe, expect, it } from 'vitest'
import { signIn } from './browser.js'
import { usePanelServer } from './panelProcess.js'
import { useChromium } from './useChromium.js'

/*
 * The panel and the server judge a user-input form by the same rule, the core's: a required
 * field of blanks is missing, and every field's problem is told at once, in words.
 */

const panel = usePanelServer()
const browser = useChromium()

/** A dinner run paused on its form (window: text, required; guests: a number, required), open on the page. */
const dinnerForm = async () => {
  const client = panel.client('user-token')
  const started = await client.runs.start('dinner', 'A table tonight')
  const page = await signIn(browser(), `${panel.server().url}/#/runs/${started.runId}`, 'user-token')
  const form = page.locator('form.user-input')
  return { client, started, page, form, send: form.getByRole('button', { name: 'Send answers' }) }
}

describe('a user-input form, in the panel and on the server', () => {
  it('blanks in a required field and a wrong type elsewhere: both told at once, nothing sent', async () => {
    const { client, started, page, form, send } = await dinnerForm()
    const sent: Array<string> = []
    page.on('request', (request) => {
      if (request.url().includes('runs.continue')) sent.push(request.url())
    })
    await form.getByLabel('window').fill('   ')
    await form.getByLabel('guests').fill('abc')
    await send.click()
    await form.getByText('2 fields need mending before this can be sent.').waitFor()
    await expect(form.locator('.field-error').allTextContents()).resolves.toStrictEqual([
      'Window is required.',
      'Guests must be a number, not "abc".',
    ])
    expect(sent).toStrictEqual([])
    expect(await client.runs.get(started.runId)).toStrictEqual(started)
    await page.close()
  })

  it('the server refuses blanks for a required field with InvalidResolution, changing nothing, and the panel shows its whole message', async () => {
    const { client, started, page, form, send } = await dinnerForm()
    const [requirementId] = started.activeRequirementIds
    // What another client could send: the panel's request, its answers swapped on the way.
    await page.route('**/runs.continue*', (route) =>
      route.continue({
        postData: JSON.stringify({
          runId: started.runId,
          resolutions: [{ requirementId, value: { values: { window: '', guests: 4 } } }],
        }),
      }),
    )
    await form.getByLabel('window').fill('19:00-21:00')
    await form.getByLabel('guests').fill('4')
    await send.click()
    await form.getByText('window is required (InvalidResolution)').waitFor()
    expect(await client.runs.get(started.runId)).toStrictEqual(started)
    await page.close()
  })
})
