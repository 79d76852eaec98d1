/**
 * The server-process side of a wire server: reading a request's body, answering JSON, long polls
 * of the control channel that answer once their condition holds (no test sleeps), and listening on
 * a kernel-assigned loopback port, printing `listening <port>` for `startWireProcess` and exiting
 * when the parent (which holds stdin) is gone.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http'

export const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })

export const sendJson = (
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(JSON.stringify(value))
}

/** Long polls waiting for their condition: `wake()` after every change that may meet one. */
export const makeLongPolls = () => {
  let waiters: Array<() => boolean> = []
  return {
    wake: () => void (waiters = waiters.filter((answered) => !answered())),
    /** Answers once `ready()` gives a value (at once if it already does). */
    longPoll: (res: ServerResponse, ready: () => unknown) => {
      const answered = () => {
        const value = ready()
        if (value === undefined) return false
        sendJson(res, 200, value)
        return true
      }
      if (!answered()) waiters.push(answered)
    },
  }
}

/** Listens on a free loopback port and says which on stdout; exits when stdin ends. */
export const serveOnLoopback = (server: Server, name: string) => {
  server.listen(0, '127.0.0.1', () => {
    const address = server.address()
    if (address === null || typeof address === 'string') throw new Error(`${name}: no TCP address`)
    process.stdout.write(`listening ${address.port}\n`)
  })
  // The parent holds our stdin: when it goes, so do we.
  process.stdin.on('end', () => process.exit(0))
  process.stdin.resume()
}
