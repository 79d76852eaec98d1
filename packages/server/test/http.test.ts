import { describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { useServer } from './harness.js'

const server = useServer()

describe('plain HTTP and socket limits', () => {
  it('GET /healthz and /readyz answer 200', async () => {
    const health = await fetch(`${server().url}/healthz`)
    expect([health.status, await health.json()]).toStrictEqual([200, { status: 'ok' }])
    const ready = await fetch(`${server().url}/readyz`)
    expect([ready.status, await ready.json()]).toStrictEqual([200, { status: 'ready' }])
  })

  it('a request body over maxBodySize is refused with 413 PAYLOAD_TOO_LARGE, before anything runs', async () => {
    const response = await fetch(`${server().url}/runs.start`, {
      method: 'POST',
      headers: { authorization: 'Bearer alice-token', 'content-type': 'application/json' },
      body: JSON.stringify({ agentId: 'assistant', input: 'x'.repeat(100 * 1024) }),
    })
    expect(response.status).toBe(413)
    expect(await response.json()).toMatchObject({ error: { data: { code: 'PAYLOAD_TOO_LARGE' } } })
  })

  it('a WebSocket message over maxPayload closes the socket with 1009 (message too big)', async () => {
    const socket = new WebSocket(server().url.replace('http', 'ws'))
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject))
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)))
    socket.send('x'.repeat(100 * 1024))
    expect(await closed).toBe(1009)
  })
})
