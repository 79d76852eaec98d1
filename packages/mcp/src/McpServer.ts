import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Countersign, Principal } from '@countersign/core'
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { agentsServer } from './internal/agentsServer.js'

/**
 * Serves a Countersign deployment's agents, teams and workflows to MCP clients, each as a tool.
 * A pause the caller may resolve (a confirmation, a form) is asked of them through elicitation
 * and the run goes on with their answer; one that needs someone else (an approval) answers with
 * the run id and what it waits for, and `countersign_get_run` / `countersign_continue_run` check
 * on it and take it up.
 */

/** Serves over this process's stdin and stdout, every run as `principal` (whoever started the process). */
export const serveStdio = async (
  countersign: Countersign,
  options: { readonly principal: Principal },
): Promise<{ readonly close: () => Promise<void> }> => {
  const server = agentsServer(countersign, options.principal)
  await server.connect(new StdioServerTransport())
  return { close: () => server.close() }
}

export interface HttpMountOptions {
  /** Where on the Countersign server's port (default `/mcp`). */
  readonly path?: string
  /** Most MCP sessions open at once (default 1000): beyond, a new one is refused (503). */
  readonly maxSessions?: number
  /** Most MCP sessions one caller has open (default 20): beyond, their oldest is closed. */
  readonly maxSessionsPerCaller?: number
}

/** What the Countersign server calls a mount with (`MountContext` of `@countersign/server`). */
export interface MountContext {
  readonly principal: Principal
  readonly countersign: Countersign
  readonly holdRun: <A>(work: () => Promise<A>) => Promise<A>
}

/** An MCP session over HTTP: its transport, and the one principal it belongs to. */
interface Session {
  readonly transport: StreamableHTTPServerTransport
  readonly principalId: string
}

const refuse = (res: ServerResponse, status: number, message: string) => {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }))
}

/**
 * Streamable HTTP on the Countersign server's own port: pass it to `createServer({ mounts })`,
 * which signs callers in as for the rest of the API. A session belongs to whoever opened it:
 * anyone else's requests with its id are answered as if it did not exist.
 */
export const httpMount = (options: HttpMountOptions = {}) => {
  const sessions = new Map<string, Session>()
  const maxSessions = options.maxSessions ?? 1000
  const maxPerCaller = options.maxSessionsPerCaller ?? 20
  return {
    path: options.path ?? '/mcp',
    handle: async (
      req: IncomingMessage,
      res: ServerResponse,
      { principal, countersign, holdRun }: MountContext,
    ): Promise<void> => {
      const sessionId = req.headers['mcp-session-id']
      if (typeof sessionId === 'string') {
        const session = sessions.get(sessionId)
        if (session === undefined || session.principalId !== principal.id)
          return refuse(res, 404, 'Session not found')
        return session.transport.handleRequest(req, res)
      }
      if (req.method !== 'POST') return refuse(res, 400, 'Start a session with an initialize request')
      const own = [...sessions].filter(([, session]) => session.principalId === principal.id)
      // A caller makes room among their own sessions, never by closing someone else's.
      for (const [oldest, session] of own.slice(0, Math.max(0, own.length - maxPerCaller + 1))) {
        sessions.delete(oldest)
        await session.transport.close()
      }
      if (sessions.size >= maxSessions) return refuse(res, 503, 'Too many MCP sessions: try again later')
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: randomUUID,
        onsessioninitialized: (id) => void sessions.set(id, { transport, principalId: principal.id }),
        onsessionclosed: (id) => void sessions.delete(id),
      })
      transport.onclose = () => {
        if (transport.sessionId !== undefined) sessions.delete(transport.sessionId)
      }
      await agentsServer(countersign, principal, holdRun).connect(transport)
      await transport.handleRequest(req, res)
      // A first request that was not an initialize opened nothing.
      if (transport.sessionId === undefined) await transport.close()
    },
  }
}
