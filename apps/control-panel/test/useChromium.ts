import type { Browser } from 'playwright-core'
import { afterAll, beforeAll } from 'vitest'
import { launchChromium } from './browser.js'

// Apart from browser.ts, which the global setup reads: vitest's hooks cannot be imported there.

/** Chromium for the tests of one file: launched before them, closed after them. */
export const useChromium = () => {
  let browser: Browser | undefined
  beforeAll(async () => {
    browser = await launchChromium()
  })
  afterAll(() => browser?.close())
  return () => {
    if (browser === undefined) throw new Error('chromium has not been launched')
    return browser
  }
}
