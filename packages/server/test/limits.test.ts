import { describe, expect, it } from 'vitest'
import { failure, rawSocket, useClients, useServer } from './harness.js'

/*
 * What one caller may ask of the server at once, against the fixture server's tight limits
 * (`--tight-limits`): 5 calls a batch, 3 subscriptions a socket, 2 runs working at once and 30
 * requests (then 1 a second) per principal. Each abuse is answered with its typed error, nothing
 * beyond the limit runs, and the server answers its health probe meanwhile.
 */

const server = useServer(['--tight-limits'])
const as = useClients(server)

const healthy = async () => (await fetch(`${server().url}/healthz`)).status

/** Every run stored, as an admin lists them. */
const runCount = async () => (await as('root').runs.list.query({ limit: 100 })).total

const startCall = (id: number) => ({
  id,
  method: 'mutation',
  params: { path: 'runs.start', input: { agentId: 'assistant', input: 'Move 100' } },
})

describe('batches', () => {
  it('an HTTP batch of more calls than maxBatchSize is refused whole: 413 BatchTooLarge for each call, no run started', async () => {
    const before = await runCount()
    const calls = 6
    const path = Array.from({ length: calls }, () => 'runs.start').join(',')
    const input = Object.fromEntries(
      Array.from({ length: calls }, (_, index) => [index, { agentId: 'assistant', input: 'Go' }]),
    )
    const response = await fetch(`${server().url}/${path}?batch=1`, {
      method: 'POST',
      headers: { authorization: 'Bearer alice-token', 'content-type': 'application/json' },
      body: JSON.stringify(input),
    })
    expect(response.status).toBe(413)
    expect(await response.json()).toMatchObject({
      error: { data: { code: 'PAYLOAD_TOO_LARGE', error: { _tag: 'BatchTooLarge', maxCalls: 5 } } },
    })
    expect(await healthy()).toBe(200)
    expect(await runCount()).toBe(before)
  })

  it('a WebSocket message of more requests than maxBatchSize has each answered BatchTooLarge, none run, and the socket goes on', async () => {
    const before = await runCount()
    const { socket, message } = await rawSocket(server(), 'alice-token')
    socket.send(JSON.stringify(Array.from({ length: 6 }, (_, index) => startCall(index + 1))))
    for (let id = 1; id <= 6; id += 1)
      expect(await message((received) => received['id'] === id)).toMatchObject({
        error: { data: { code: 'PAYLOAD_TOO_LARGE', error: { _tag: 'BatchTooLarge', maxCalls: 5 } } },
      })
    expect(await healthy()).toBe(200)
    expect(await runCount()).toBe(before)
    socket.send(JSON.stringify({ id: 7, method: 'query', params: { path: 'definitions.list' } }))
    expect(await message((received) => received['id'] === 7)).toMatchObject({ result: { type: 'data' } })
    socket.close()
  })
})

describe('subscriptions', () => {
  it('a socket may hold maxSubscriptionsPerSocket subscriptions; one more is TOO_MANY_REQUESTS (TooManySubscriptions); one ending frees its slot', async () => {
    const root = as('root')
    const run = await root.runs.start.mutate({ agentId: 'assistant', input: 'Move 100' })
    const { socket, message } = await rawSocket(server(), 'root-token')
    const subscribe = (id: number) =>
      socket.send(
        JSON.stringify({
          id,
          method: 'subscription',
          params: { path: 'runs.events', input: { runId: run.runId } },
        }),
      )
    for (const id of [1, 2, 3, 4]) subscribe(id)
    for (const id of [1, 2, 3])
      expect(await message((received) => received['id'] === id)).toMatchObject({
        result: { type: 'started' },
      })
    expect(await message((received) => received['id'] === 4)).toMatchObject({
      error: {
        data: { code: 'TOO_MANY_REQUESTS', error: { _tag: 'TooManySubscriptions', maxSubscriptions: 3 } },
      },
    })
    expect(await healthy()).toBe(200)

    socket.send(JSON.stringify({ id: 1, method: 'subscription.stop' }))
    expect(
      await message(
        (received) => received['id'] === 1 && (received['result'] as { type?: string })?.type === 'stopped',
      ),
    ).toBeDefined()
    subscribe(5)
    expect(await message((received) => received['id'] === 5)).toMatchObject({ result: { type: 'started' } })
    socket.close()
  })
})

describe('per principal', () => {
  it('more runs at once than maxConcurrentRuns: TOO_MANY_REQUESTS (TooManyRequests, concurrentRuns) with Retry-After; no run started beyond', async () => {
    const alice = as('alice')
    /**
     * Starts a slow run; resolves once its tool holds it (listening before the run starts, so no
     * line is missed), with the call, which answers once the run is released.
     */
    const holding = async (input: string) => {
      const entered = server().nextLine((line) => line === 'slow-entered')
      const answered = alice.runs.start.mutate({ agentId: 'slow', input })
      await entered
      return { answered }
    }
    const held = [(await holding('One')).answered, (await holding('Two')).answered]
    const response = await fetch(`${server().url}/runs.start`, {
      method: 'POST',
      headers: { authorization: 'Bearer alice-token', 'content-type': 'application/json' },
      body: JSON.stringify({ agentId: 'slow', input: 'Three' }),
    })
    expect(response.status).toBe(429)
    expect(response.headers.get('retry-after')).toBe('1')
    expect(await response.json()).toMatchObject({
      error: {
        data: {
          code: 'TOO_MANY_REQUESTS',
          error: { _tag: 'TooManyRequests', limit: 'concurrentRuns', max: 2, retryAfter: 1 },
        },
      },
    })
    expect(await healthy()).toBe(200)
    const slowRuns = await as('root').runs.list.query({ definitionId: 'slow', limit: 100 })
    expect(slowRuns.runs.map((run) => run.status)).toStrictEqual(['running', 'running'])

    server().send('release')
    for (const run of await Promise.all(held)) expect(run.status).toBe('completed')
    // Their slots are free again.
    expect(await alice.runs.start.mutate({ agentId: 'slow', input: 'Four' })).toMatchObject({
      status: 'completed',
    })
  })

  it('a burst over the request rate: TOO_MANY_REQUESTS (TooManyRequests, requestRate) with Retry-After; only the calls let through started runs', async () => {
    const before = await runCount()
    const responses = await Promise.all(
      Array.from({ length: 45 }, () =>
        fetch(`${server().url}/runs.start`, {
          method: 'POST',
          headers: { authorization: 'Bearer bob-token', 'content-type': 'application/json' },
          body: JSON.stringify({ agentId: 'assistant', input: 'Move 100' }),
        }),
      ),
    )
    expect(await healthy()).toBe(200)
    const refused = responses.filter((response) => response.status === 429)
    const started = responses.filter((response) => response.status === 200)
    expect(started.length + refused.length).toBe(45)
    // 30 at once, and one a second after: the burst cannot take long enough to let 15 more through.
    // Of the calls let through, some may meet bob's two run slots still taken (concurrentRuns).
    const limits: string[] = []
    for (const response of refused) {
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
      const body = (await response.json()) as {
        error: { data: { code: string; error: { _tag: string; limit: string } } }
      }
      expect(body.error.data).toMatchObject({ code: 'TOO_MANY_REQUESTS', error: { _tag: 'TooManyRequests' } })
      limits.push(body.error.data.error.limit)
    }
    expect(limits.filter((limit) => limit === 'requestRate').length).toBeGreaterThan(0)
    expect(limits.filter((limit) => limit !== 'requestRate' && limit !== 'concurrentRuns')).toStrictEqual([])
    expect(await runCount()).toBe(before + started.length)
    // Through the client, the same typed error.
    expect(await failure(as('bob').runs.list.query())).toMatchObject({
      code: 'TOO_MANY_REQUESTS',
      error: { _tag: 'TooManyRequests', limit: 'requestRate', max: 1 },
    })
    // Another principal is not held back by bob's rate.
    expect(await as('ann').definitions.list.query()).not.toHaveLength(0)
  })
})
