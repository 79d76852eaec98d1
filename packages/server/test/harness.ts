import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  createTRPCClient,
  createWSClient,
  httpBatchLink,
  splitLink,
  TRPCClientError,
  wsLink,
} from '@trpc/client'
import { afterAll, afterEach, beforeAll, expect } from 'vitest'
import { WebSocket } from 'ws'
import type { AppRouter } from '../src/index.js'
import {
  type FixtureUser,
  fixtureServerEntry,
  startServerProcess,
  tokenOf,
  type ServerProcess,
} from '../src/testing/index.js'

/** The fixture server in a child process for the tests of one file (with these arguments), killed after them. */
export const useServer = (args: ReadonlyArray<string> = []) => {
  const holder: { current?: ServerProcess } = {}
  beforeAll(async () => {
    holder.current = await startServerProcess(fixtureServerEntry, args)
  })
  afterAll(async () => {
    holder.current?.kill()
    await holder.current?.ended
  })
  return () => {
    if (holder.current === undefined) throw new Error('the server process has not started')
    return holder.current
  }
}

/** Who a test client is: a fixture user, a `stranger` with a token the server does not know, or nobody (no token). */
export type Caller = FixtureUser | 'stranger' | undefined

/**
 * A raw tRPC client of the server as `user`, HTTP for calls and WebSocket for subscriptions
 * (made with `socketClass`, `ws`'s WebSocket by default).
 */
export const connect = (
  server: ServerProcess,
  user?: Caller,
  socketClass: new (url: string) => WebSocket = WebSocket,
) => {
  const token = user === undefined ? undefined : user === 'stranger' ? 'not-a-token' : tokenOf(user)
  const ws = createWSClient({
    url: server.url.replace('http', 'ws'),
    WebSocket: socketClass as never,
    retryDelayMs: () => 20,
    ...(token === undefined ? {} : { connectionParams: { token } }),
  })
  const trpc = createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: wsLink({ client: ws }),
        false: httpBatchLink({
          url: server.url,
          headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
        }),
      }),
    ],
  })
  return { trpc, close: () => ws.close() }
}

/**
 * A tRPC client of the server that sends every call over one WebSocket, signed in with `token`
 * (which the fixture server's `grant` and `revoke` commands change); `closed` resolves with the
 * code of the first socket the server closes.
 */
export const connectSocket = (server: ServerProcess, token: string) => {
  let serverClosed!: (code: number) => void
  const closed = new Promise<number>((resolve) => (serverClosed = resolve))
  const ws = createWSClient({
    url: server.url.replace('http', 'ws'),
    WebSocket: WebSocket as never,
    retryDelayMs: () => 20,
    connectionParams: { token },
    onClose: (cause) => serverClosed(cause?.code ?? 0),
  })
  const trpc = createTRPCClient<AppRouter>({ links: [wsLink({ client: ws })] })
  return { trpc, closed, close: () => ws.close() }
}

/** A raw WebSocket to the server that sends `token` in tRPC's connection params message (none: no token). */
export const rawSocket = async (server: ServerProcess, token: string | undefined) => {
  const params = token === undefined ? '' : '?connectionParams=1'
  const socket = new WebSocket(`${server.url.replace('http', 'ws')}${params}`)
  const received: Array<Record<string, unknown>> = []
  const waiting: Array<() => void> = []
  socket.on('message', (data: Buffer) => {
    received.push(JSON.parse(data.toString('utf8')) as Record<string, unknown>)
    for (const wake of waiting.splice(0)) wake()
  })
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)))
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject))
  if (token !== undefined) socket.send(JSON.stringify({ method: 'connectionParams', data: { token } }))
  /** The first message received (from the start) that `matches`. */
  const message = async (matches: (message: Record<string, unknown>) => boolean) => {
    for (;;) {
      const found = received.find(matches)
      if (found !== undefined) return found
      await new Promise<void>((resolve) => waiting.push(resolve))
    }
  }
  return { socket, received, message, closed }
}

/**
 * Arguments that give the fixture server a SQLite file of its own, in a temporary directory
 * removed after the tests of the enclosing block (call it before `useServer`).
 */
export const sqliteFileArgs = (): ReadonlyArray<string> => {
  const directory = mkdtempSync(join(tmpdir(), 'countersign-sqlite-'))
  afterAll(() => rmSync(directory, { recursive: true, force: true }))
  return ['sqlite', join(directory, 'countersign.db')]
}

/** Clients of `server` as a fixture user, closed after each test. */
export const useClients = (server: () => ServerProcess) => {
  const clients: Array<{ close: () => Promise<void> }> = []
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()))
  })
  return (user?: Caller) => {
    const client = connect(server(), user)
    clients.push(client)
    return client.trpc
  }
}

/** The typed error a call failed with: its tRPC code and the server's `data.error`. */
export const failure = async (call: Promise<unknown>) => {
  const error = await call.then(
    () => {
      throw new Error('expected the call to fail, but it succeeded')
    },
    (error: unknown) => error,
  )
  expect(error).toBeInstanceOf(TRPCClientError)
  const data = (error as TRPCClientError<AppRouter>).data
  return { code: data?.code, error: data?.error, message: (error as Error).message }
}

/** Every event of a subscription until it completes (or fails). */
export const eventsOf = <A>(
  subscribe: (handlers: {
    onData: (value: { id: string; data: A }) => void
    onError: (error: unknown) => void
    onComplete: () => void
  }) => unknown,
) =>
  new Promise<Array<{ id: string; data: A }>>((resolve, reject) => {
    const received: Array<{ id: string; data: A }> = []
    subscribe({
      onData: (value) => received.push(value),
      onError: reject,
      onComplete: () => resolve(received),
    })
  })

type Trpc = ReturnType<typeof connect>['trpc']

/** A subscription to the run's events until its end: what it received, once it saw the pause, and its end. */
export const followToEnd = (trpc: Trpc, runId: string) => {
  const received: Array<{ id: string; data: { readonly _tag: string; readonly seq: number } }> = []
  let sawPause!: () => void
  const paused = new Promise<void>((resolve) => (sawPause = resolve))
  const ended = new Promise<void>((resolve, reject) => {
    trpc.runs.events.subscribe(
      { runId },
      {
        onData: (value) => {
          received.push(value)
          if (value.data._tag === 'RunPaused') sawPause()
        },
        onError: reject,
        onComplete: resolve,
      },
    )
  })
  return { received, paused, ended }
}
