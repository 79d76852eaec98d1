import { createServer } from 'node:http'
import type { Notification } from '@countersign/core'
import { WebhookChannel } from '@countersign/webhooks'
import { afterAll, describe, expect, it } from 'vitest'
import { startDemo, tempDatabase } from './demoProcess.js'

const databases: Array<ReturnType<typeof tempDatabase>> = []
afterAll(() => {
  for (const database of databases) database.remove()
})
const database = () => {
  const made = tempDatabase()
  databases.push(made)
  return made.path
}

/** A webhook endpoint that verifies what it receives with the secret, recording the notifications. */
const endpoint = async (secret: string) => {
  const received: Array<Notification> = []
  let arrived: () => void = () => undefined
  const server = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      try {
        received.push(WebhookChannel.verify(Buffer.concat(chunks).toString('utf8'), req.headers, secret))
        res.writeHead(204).end()
        arrived()
      } catch {
        res.writeHead(401).end()
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    /** Resolves once `count` notifications arrived. */
    atLeast: async (count: number) => {
      while (received.length < count) await new Promise<void>((resolve) => (arrived = resolve))
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

describe('the demo’s notifications', () => {
  it('with no channel in the environment, it says none is configured', async () => {
    const demo = await startDemo({ COUNTERSIGN_DB: database() }, { COUNTERSIGN_WEBHOOK_URL: '' })
    expect(demo.stdout()).toContain('[notify] no channel is configured (set COUNTERSIGN_WEBHOOK_URL')
    await demo.stop()
  }, 60_000)

  it('with COUNTERSIGN_WEBHOOK_URL and its secret, the seed runs’ approvals reach the endpoint, signed, linking to the panel', async () => {
    const secret = WebhookChannel.generateSecret()
    const hooks = await endpoint(secret)
    const demo = await startDemo(
      { COUNTERSIGN_DB: database() },
      {
        COUNTERSIGN_WEBHOOK_URL: hooks.url,
        COUNTERSIGN_WEBHOOK_SECRET: secret,
        COUNTERSIGN_PANEL_URL: 'https://panel.example',
      },
    )
    expect(demo.stdout()).toContain(`[notify] webhook to ${hooks.url}\n`)
    // The seed's three runs each pause on one requirement.
    await hooks.atLeast(3)
    expect(hooks.received.map(({ event }) => event)).toStrictEqual([
      'requirement.raised',
      'requirement.raised',
      'requirement.raised',
    ])
    expect(hooks.received.every(({ link }) => link.startsWith('https://panel.example/#/runs/'))).toBe(true)
    await demo.stop()
    await hooks.close()
  }, 60_000)
})
