/**
 * A server process with two mounts, for the tests of `Mount`: `/whoami` behind bearer tokens
 * (answers the caller's id), and `/hook`, which authenticates its callers itself (an
 * `x-hook-secret` header) and answers how many requests reached it. A small request rate
 * (3 at once, then one every 1000 seconds) is reached in a few calls. Prints `listening <port>`.
 */
import { createServer, staticTokens } from '../../src/index.js'
import { tokens } from '../../src/testing/index.js'

let reachedHook = 0

const server = createServer({
  authenticate: staticTokens({ 'alice-token': tokens.alice }),
  rateLimit: { burst: 3, perSecond: 0.001 },
  sweepEvery: false,
  mounts: [
    {
      path: '/whoami',
      handle: (_req, res, { principal }) => {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ id: principal.id }))
      },
    },
    {
      path: '/hook',
      authentication: 'self',
      handle: (req, res, { countersign, decide }) => {
        reachedHook += 1
        const known = req.headers['x-hook-secret'] === 'hook-secret'
        res.writeHead(known ? 200 : 401, { 'content-type': 'application/json' })
        res.end(
          JSON.stringify({
            reached: reachedHook,
            deployment: countersign.served.size >= 0 && typeof decide === 'function',
          }),
        )
      },
    },
  ],
})
const { port } = await server.listen()
console.log(`listening ${port}`)
process.once('SIGTERM', () => void server.close().then(() => process.exit(0)))
