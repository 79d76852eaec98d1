import { describe, expect, it } from 'vitest'
import { startServerProcess } from '../src/testing/index.js'
import { connect } from './harness.js'

describe('graceful shutdown', () => {
  it('on SIGTERM an in-flight request completes, readiness and new requests are refused, and the process exits 0', async () => {
    const server = await startServerProcess()
    const alice = connect(server, 'alice')
    try {
      const entered = server.nextLine((line) => line === 'slow-entered')
      const inFlight = alice.trpc.runs.start.mutate({ agentId: 'slow', input: 'Take your time' })
      await entered

      const closing = server.nextLine((line) => line === 'closing')
      const closed = server.nextLine((line) => line === 'closed')
      server.kill('SIGTERM')
      await closing
      // Refused while draining: a keep-alive request is turned away, and new connections fail.
      const during = await fetch(`${server.url}/readyz`).then(
        (response) => response.status,
        () => 'refused',
      )
      expect([503, 'refused']).toContain(during)

      server.send('release')
      expect(await inFlight).toMatchObject({ status: 'completed', content: 'Done: finished' })
      await closed
      expect((await server.ended).code).toBe(0)
    } finally {
      await alice.close()
      server.kill()
    }
  })
})
