import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { approvalCard, signIn } from './browser.js'
import { usePanelServer } from './panelProcess.js'
import { useChromium } from './useChromium.js'

/*
 * Clickjacking: a page on another origin frames the panel, signed in, and lays its own bait over
 * the Approve button. The panel's headers forbid any framing; the browser must refuse it.
 */

const panel = usePanelServer()
const browser = useChromium()

/** Another origin (another host name and port) whose page frames the panel. */
let attacker: Server
let attackerUrl: string
beforeAll(async () => {
  attacker = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    res.end(
      `<!doctype html><title>Win a prize</title><iframe name="panel" src="${panel.server().url}/" width="1000" height="800"></iframe>`,
    )
  })
  await new Promise<void>((resolve) => attacker.listen(0, 'localhost', resolve))
  attackerUrl = `http://localhost:${(attacker.address() as AddressInfo).port}/`
})
afterAll(() => new Promise<void>((resolve) => attacker.close(() => resolve())))

/** What the browser's console says about Content Security Policy. */
const policyMessages = (page: Awaited<ReturnType<typeof signIn>>) => {
  const messages: Array<string> = []
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) messages.push(message.text())
  })
  return messages
}

describe('the control panel cannot be framed', () => {
  it('a page on another origin framing the signed-in panel gets nothing: no panel, no Approve button', async () => {
    // An approval waits, so that a framed panel would show a live Approve button.
    const started = await panel.client('user-token').runs.start('finance', 'Refund order A-7 for 900')
    const approver = await signIn(browser(), panel.server().url, 'approver-token')
    await approvalCard(approver, started.runId).waitFor()

    const bait = await approver.context().newPage()
    // The browser says so when it refuses the frame: waited for, as it may come after the load event.
    const refused = bait.waitForEvent('console', {
      predicate: (message) => message.text().includes("frame-ancestors 'none'"),
    })
    await bait.goto(attackerUrl)
    await refused
    const framed = await (await bait.locator('iframe[name="panel"]').elementHandle())?.contentFrame()
    expect(framed).toBeDefined()
    expect(framed).not.toBeNull()
    expect(framed!.url()).not.toContain(panel.server().url)
    const panelFrames = bait.frames().filter((frame) => frame.url().startsWith(panel.server().url))
    expect(panelFrames).toStrictEqual([])
    await expect(bait.getByRole('button', { name: 'Approve', exact: true }).count()).resolves.toBe(0)
    await bait.close()
    await approver.close()
  })

  it('the panel itself runs under its policy without a violation: it signs in and follows the queue live', async () => {
    const approver = await signIn(browser(), panel.server().url, 'approver-token')
    const messages = policyMessages(approver)
    const started = await panel.client('user-token').runs.start('finance', 'Refund order A-8 for 80')
    // It arrives over the WebSocket, without a reload.
    await approvalCard(approver, started.runId)
      .getByRole('button', { name: 'Approve', exact: true })
      .waitFor()
    await approver.reload()
    await approvalCard(approver, started.runId).waitFor()
    expect(messages).toStrictEqual([])
    await approver.close()
  })
})
