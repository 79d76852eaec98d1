import { countLimit } from '@countersign/core'
import { describe, expect, it } from 'vitest'
import { screenshot, signIn } from './browser.js'
import { usePanelServer } from './panelProcess.js'
import { useChromium } from './useChromium.js'

/*
 * The pager when more runs match than the server counts for a page: the total shows as a lower
 * bound (`1,020+`) and the next page can be opened; a deeper page, whose count reaches past
 * every match, shows the exact total. A server of its own: its runs are this file's.
 */

const panel = usePanelServer()
const browser = useChromium()

describe('the pager', () => {
  it('shows "of 1,020+" and lets the next page open while the total is a lower bound', async () => {
    const uma = panel.client('user-token')
    const started = countLimit({ offset: 0, limit: 20 }) + 5
    for (let batch = 0; batch < started; batch += 50)
      await Promise.all(
        Array.from({ length: Math.min(50, started - batch) }, (_, index) =>
          uma.runs.start('finance', `Refund order P-${batch + index} for 1`),
        ),
      )

    const page = await signIn(browser(), `${panel.server().url}/#/runs`, 'user-token')
    const pager = page.getByRole('navigation', { name: 'Pages' })
    await pager
      .getByText(`1–20 of ${countLimit({ offset: 0, limit: 20 }).toLocaleString('en-US')}+`)
      .waitFor()
    await screenshot(page, 'runs-pager-lower-bound')
    await pager.getByRole('button', { name: 'Next' }).click()
    await pager.getByText(`21–40 of ${started.toLocaleString('en-US')}`, { exact: true }).waitFor()
    await expect(pager.getByRole('button', { name: 'Previous' }).isEnabled()).resolves.toBe(true)
    await expect(pager.getByRole('button', { name: 'Next' }).isEnabled()).resolves.toBe(true)
  })
})
