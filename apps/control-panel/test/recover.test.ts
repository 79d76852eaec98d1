import { setTimeout } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { screenshot, signIn } from './browser.js'
import { usePanelServer } from './panelProcess.js'
import { useChromium } from './useChromium.js'

const panel = usePanelServer()
const browser = useChromium()

describe('a run whose server died while it worked', () => {
  it('its page says it is interrupted and offers to recover it (ask or retry) or cancel it', async () => {
    const user = () => panel.client('user-token')
    let count = 0
    const bothHeld = panel.server().nextLine((line) => line.startsWith('held ') && ++count === 2)
    const [asked, cancelled] = [
      await user().runs.startStream('holder', 'hold'),
      await user().runs.startStream('holder', 'hold'),
    ]
    await bothHeld
    await panel.kill()
    await panel.start()
    // Interrupted a lease's length after the dead writer's last renewal: look until then.
    while ((await user().runs.list({ interrupted: true })).total < 2) await setTimeout(100)

    const page = await signIn(browser(), `${panel.server().url}/#/runs/${asked.runId}`, 'user-token')
    const interrupted = page.getByRole('region', { name: 'Interrupted' })
    await interrupted.waitFor()
    await expect(page.getByRole('status').filter({ hasText: 'interrupted' }).count()).resolves.toBe(1)
    for (const name of [/asking about interrupted calls/, /running them again/, /Cancel the run/])
      await expect(interrupted.getByRole('button', { name }).isEnabled()).resolves.toBe(true)
    await screenshot(page, 'interrupted-run')

    // Retrying is for admins: the owner is told so, and nothing happens.
    await interrupted.getByRole('button', { name: /running them again/ }).click()
    await page.getByRole('alert').filter({ hasText: 'admin' }).waitFor()
    await interrupted.getByRole('button', { name: /asking about interrupted calls/ }).click()
    await page.getByRole('heading', { name: 'Waiting for' }).waitFor()
    await expect(page.getByText('Interrupted call for').count()).resolves.toBeGreaterThan(0)
    await expect(interrupted.count()).resolves.toBe(0)
    expect((await user().runs.get(asked.runId)).status).toBe('paused')

    await page.goto(`${panel.server().url}/#/runs/${cancelled.runId}`)
    await page
      .getByRole('region', { name: 'Interrupted' })
      .getByRole('button', { name: /Cancel the run/ })
      .click()
    await page.getByRole('status').filter({ hasText: 'cancelled' }).waitFor()
    expect((await user().runs.get(cancelled.runId)).status).toBe('cancelled')
  })
})
