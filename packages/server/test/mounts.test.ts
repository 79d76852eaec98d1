import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { startServerProcess } from '../src/testing/index.js'

const entry = fileURLToPath(new URL('./servers/mounts.ts', import.meta.url))

const call = async (url: string, headers: Record<string, string> = {}) => {
  const response = await fetch(url, { method: 'POST', headers, body: '{}' })
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    body: await response.json(),
  }
}

/** Runs `test` against a server process of its own (each starts with a full request rate), killed after it. */
const withServer = async (test: (url: string) => Promise<void>) => {
  const server = await startServerProcess(entry)
  try {
    await test(server.url)
  } finally {
    server.kill()
    await server.ended
  }
}

describe('mounts', () => {
  it('a mount behind bearer authentication is refused without a token and reached with one', async () => {
    await withServer(async (url) => {
      expect(await call(`${url}/whoami`)).toMatchObject({
        status: 401,
        body: { error: { _tag: 'Unauthenticated' } },
      })
      expect(await call(`${url}/whoami`, { authorization: 'Bearer alice-token' })).toMatchObject({
        status: 200,
        body: { id: 'alice' },
      })
    })
  })

  it('a self-authenticating mount is reached without a token, judges its callers itself, and is held to the rate by address', async () => {
    await withServer(async (url) => {
      // No token, yet the mount is reached: it refuses the wrong secret itself, with the deployment in hand.
      expect(await call(`${url}/hook`, { 'x-hook-secret': 'wrong' })).toEqual({
        status: 401,
        retryAfter: null,
        body: { reached: 1, deployment: true },
      })
      expect(await call(`${url}/hook/sub`, { 'x-hook-secret': 'hook-secret' })).toMatchObject({
        status: 200,
        body: { reached: 2 },
      })
      expect(await call(`${url}/hook`)).toMatchObject({ status: 401, body: { reached: 3 } })
      // The address has used its burst: the next request is turned away before the mount sees it.
      const limited = await call(`${url}/hook`, { 'x-hook-secret': 'hook-secret' })
      expect(limited).toMatchObject({
        status: 429,
        body: { error: { _tag: 'TooManyRequests', limit: 'requestRate' } },
      })
      expect(Number(limited.retryAfter)).toBeGreaterThanOrEqual(1)
      // A bearer token does not get round it either; and the principal's own rate is counted apart.
      expect(
        await call(`${url}/hook`, {
          authorization: 'Bearer alice-token',
          'x-hook-secret': 'hook-secret',
        }),
      ).toMatchObject({ status: 429 })
      expect(await call(`${url}/whoami`, { authorization: 'Bearer alice-token' })).toMatchObject({
        status: 200,
        body: { id: 'alice' },
      })
    })
  })
})
