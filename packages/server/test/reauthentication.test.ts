import { afterEach, describe, expect, it } from 'vitest'
import { connectSocket, eventsOf, rawSocket, useClients, useServer } from './harness.js'

/*
 * A token revoked while a WebSocket connection is open stops serving it: its next call, and its
 * running subscriptions, fail UNAUTHORIZED, and the server closes the connection (4401). A socket
 * whose token names nobody is answered, then closed, rather than kept open. The fixture server
 * changes its sign-in table on `grant` and `revoke`, and checks open connections every 50 ms.
 */

const server = useServer()
const as = useClients(server)

const opened: Array<{ close: () => Promise<void> }> = []
afterEach(async () => {
  await Promise.all(opened.splice(0).map((client) => client.close()))
})

let tokens = 0
/** A new token for alice, which only this test uses. */
const grantAlice = async () => {
  tokens += 1
  const token = `alice-session-${tokens}`
  const granted = server().nextLine((line) => line === `granted ${token}`)
  server().send(`grant ${token} alice`)
  await granted
  return token
}

const revoke = async (token: string) => {
  const revoked = server().nextLine((line) => line === `revoked ${token}`)
  server().send(`revoke ${token}`)
  await revoked
}

const unauthorized = { data: { code: 'UNAUTHORIZED', error: { _tag: 'Unauthenticated' } } }

describe('revoking a token', () => {
  it('ends the subscriptions of its open connection with UNAUTHORIZED, refuses its next call, and closes the connection', async () => {
    const token = await grantAlice()
    const client = connectSocket(server(), token)
    opened.push(client)
    const run = await client.trpc.runs.start.mutate({ agentId: 'assistant', input: 'Move 100' })
    expect(run.status).toBe('paused')

    // Following the paused run: live, waiting for events that do not come.
    let sawPause!: () => void
    const paused = new Promise<void>((resolve) => (sawPause = resolve))
    const followed = eventsOf<{ _tag: string }>((handlers) =>
      client.trpc.runs.events.subscribe(
        { runId: run.runId },
        {
          ...handlers,
          onData: (value) => {
            handlers.onData(value)
            if (value.data._tag === 'RunPaused') sawPause()
          },
        },
      ),
    ).then(
      () => undefined,
      (error: unknown) => error,
    )
    await paused

    await revoke(token)
    expect(await followed).toMatchObject(unauthorized)
    expect(await client.closed).toBe(4401)
    // Reconnected with the revoked token, each call is refused.
    expect(
      await client.trpc.runs.get.query({ runId: run.runId }).then(
        () => undefined,
        (error: unknown) => error,
      ),
    ).toMatchObject(unauthorized)
    // Nothing was done in alice's name after the revocation.
    expect(await as('alice').runs.get.query({ runId: run.runId })).toMatchObject({ status: 'paused' })
  })

  it('refuses the next call of an open connection that has no subscription, and the run it would start is not started', async () => {
    const token = await grantAlice()
    const client = connectSocket(server(), token)
    opened.push(client)
    const before = (await as('alice').runs.list.query()).total
    await client.trpc.definitions.list.query()
    await revoke(token)
    const refused = await client.trpc.runs.start.mutate({ agentId: 'assistant', input: 'Go' }).then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(refused).toMatchObject(unauthorized)
    expect((await as('alice').runs.list.query()).total).toBe(before)
  })
})

describe('a socket whose token names nobody', () => {
  it('is answered UNAUTHORIZED for each request of its message, then closed with 4401', async () => {
    const { socket, message, closed } = await rawSocket(server(), 'not-a-token')
    socket.send(
      JSON.stringify([
        { id: 1, method: 'query', params: { path: 'definitions.list', input: undefined } },
        { id: 2, method: 'subscription', params: { path: 'approvals.changes', input: undefined } },
      ]),
    )
    for (const id of [1, 2])
      expect(await message((received) => received['id'] === id)).toMatchObject({
        error: { data: { code: 'UNAUTHORIZED', error: { _tag: 'Unauthenticated' } } },
      })
    expect(await closed).toBe(4401)
  })

  it('is closed with 4401 when it sends nothing, with an unknown token or none', async () => {
    const unknown = await rawSocket(server(), 'not-a-token')
    const none = await rawSocket(server(), undefined)
    expect(await Promise.all([unknown.closed, none.closed])).toStrictEqual([4401, 4401])
  })
})
