import { describe, expect, it } from 'vitest'
import { eventsOf, failure, rawSocket as rawSocketAs, useClients, useServer } from './harness.js'

const server = useServer()
const as = useClients(server)

/** The fixture server's limits. */
const maxBytes = 64 * 1024

/** A raw WebSocket to the server, signed in as alice through tRPC's connection params message. */
const rawSocket = () => rawSocketAs(server(), 'alice-token')

const subscribeMessage = (id: number, input: unknown) =>
  JSON.stringify({ id, method: 'subscription', params: { path: 'runs.events', input } })

describe('plain HTTP and socket limits', () => {
  it('GET /healthz and /readyz answer 200', async () => {
    const health = await fetch(`${server().url}/healthz`)
    expect([health.status, await health.json()]).toStrictEqual([200, { status: 'ok' }])
    const ready = await fetch(`${server().url}/readyz`)
    expect([ready.status, await ready.json()]).toStrictEqual([200, { status: 'ready' }])
  })

  it('a request body over maxBodySize is refused with 413 PAYLOAD_TOO_LARGE (PayloadTooLarge), before anything runs', async () => {
    const before = await as('alice').runs.list.query({ limit: 100 })
    const response = await fetch(`${server().url}/runs.start`, {
      method: 'POST',
      headers: { authorization: 'Bearer alice-token', 'content-type': 'application/json' },
      body: JSON.stringify({ agentId: 'assistant', input: 'x'.repeat(100 * 1024) }),
    })
    expect(response.status).toBe(413)
    expect(await response.json()).toMatchObject({
      error: { data: { code: 'PAYLOAD_TOO_LARGE', error: { _tag: 'PayloadTooLarge', maxBytes } } },
    })
    // Through the client: the same typed error; no run was started.
    expect(
      await failure(as('alice').runs.start.mutate({ agentId: 'assistant', input: 'x'.repeat(100 * 1024) })),
    ).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', error: { _tag: 'PayloadTooLarge', maxBytes } })
    expect((await as('alice').runs.list.query({ limit: 100 })).total).toBe(before.total)
  })

  it('a WebSocket message over maxPayload is answered PAYLOAD_TOO_LARGE (PayloadTooLarge) and the connection goes on', async () => {
    const run = await as('alice').runs.start.mutate({ agentId: 'assistant', input: 'Move 100' })
    const { socket, message, closed } = await rawSocket()
    socket.send(subscribeMessage(1, { runId: 'x'.repeat(100 * 1024) }))
    expect(await message(({ id }) => id === 1)).toMatchObject({
      id: 1,
      error: {
        data: {
          code: 'PAYLOAD_TOO_LARGE',
          httpStatus: 413,
          path: 'runs.events',
          error: { _tag: 'PayloadTooLarge', maxBytes },
        },
      },
    })
    // The same socket still serves requests.
    socket.send(subscribeMessage(2, { runId: run.runId }))
    expect(
      await message(({ id, result }) => id === 2 && (result as { type: string }).type === 'data'),
    ).toMatchObject({
      result: { id: '1', data: { id: '1', data: { _tag: 'RunStarted', seq: 1 } } },
    })
    socket.close()
    expect(await closed).toBe(1005)
  })

  it('through the client, an oversized subscription fails typed and the next one on the same client works', async () => {
    const alice = as('alice')
    const run = await alice.runs.start.mutate({ agentId: 'assistant', input: 'Move 100' })
    const refused = await eventsOf((handlers) =>
      alice.runs.events.subscribe({ runId: 'x'.repeat(100 * 1024) }, handlers),
    ).then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(refused).toMatchObject({
      data: { code: 'PAYLOAD_TOO_LARGE', error: { _tag: 'PayloadTooLarge', maxBytes } },
    })
    await alice.runs.cancel.mutate({ runId: run.runId })
    const events = await eventsOf<{ _tag: string }>((handlers) =>
      alice.runs.events.subscribe({ runId: run.runId }, handlers),
    )
    expect(events.at(-1)?.data._tag).toBe('RunCancelled')
  })

  it('a message over four times maxPayload, or an oversized one that is no tRPC request, closes the socket with 1009', async () => {
    const huge = await rawSocket()
    huge.socket.send(subscribeMessage(1, { runId: 'x'.repeat(5 * maxBytes) }))
    expect(await huge.closed).toBe(1009)
    const garbage = await rawSocket()
    garbage.socket.send('x'.repeat(2 * maxBytes))
    expect(await garbage.closed).toBe(1009)
  })
})
