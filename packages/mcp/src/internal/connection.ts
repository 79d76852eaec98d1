import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js'
import {
  ElicitRequestSchema,
  type ElicitRequestFormParams,
  type ElicitResult,
} from '@modelcontextprotocol/sdk/types.js'
import { McpConnectFailed } from '../McpError.js'

/** An MCP server started as a child process, spoken to over its stdin and stdout. */
export interface StdioServer {
  readonly command: string
  readonly args?: ReadonlyArray<string>
  /** Added to a minimal environment (PATH, HOME, …): the process does not inherit yours. */
  readonly env?: Readonly<Record<string, string>>
  readonly cwd?: string
}

/** An MCP server reached over Streamable HTTP. */
export interface HttpServer {
  readonly url: string | URL
  /** Sent with every request: an `Authorization` header, say. */
  readonly headers?: Readonly<Record<string, string>>
}

export type ServerAddress = StdioServer | HttpServer

/** Answers a server's form elicitation made on `client`. */
export type OnElicit = (
  client: Client,
  params: ElicitRequestFormParams,
  signal: AbortSignal,
) => Promise<ElicitResult>

const transportOf = (server: ServerAddress): Transport =>
  'command' in server
    ? new StdioClientTransport({
        command: server.command,
        args: [...(server.args ?? [])],
        env: { ...getDefaultEnvironment(), ...server.env },
        ...(server.cwd === undefined ? {} : { cwd: server.cwd }),
        stderr: 'ignore',
      })
    : new StreamableHTTPClientTransport(new URL(server.url), {
        requestInit: { headers: { ...server.headers } },
      })

const reasonOf = (cause: unknown) =>
  // The first line only: a transport's error may carry a stack or a path after it.
  (cause instanceof Error ? cause.message : String(cause)).split('\n')[0]!.slice(0, 300)

/**
 * One server's connection, made when first needed and made again after it ends (the process
 * died, the network dropped): every call asks for the client, so a dead one is never reused.
 */
export class Connection {
  private current: Promise<Client> | undefined
  private closed = false

  constructor(
    private readonly name: string,
    private readonly server: ServerAddress,
    private readonly onElicit: OnElicit,
  ) {}

  client(): Promise<Client> {
    if (this.closed)
      return Promise.reject(new McpConnectFailed({ server: this.name, reason: 'the toolkit is closed' }))
    if (this.current === undefined) {
      const attempt: Promise<Client> = this.connect(() => {
        if (this.current === attempt) this.current = undefined
      })
      this.current = attempt
    }
    return this.current
  }

  /** Connects; `ended` forgets this client once its connection ends (or never began). */
  private async connect(ended: () => void): Promise<Client> {
    const client = new Client(
      { name: 'countersign', version: '1' },
      { capabilities: { elicitation: { form: {} } } },
    )
    client.setRequestHandler(ElicitRequestSchema, (request, extra) =>
      // URL-mode requests are refused by the SDK: only forms are declared.
      this.onElicit(client, request.params as ElicitRequestFormParams, extra.signal),
    )
    client.onclose = ended
    try {
      await client.connect(transportOf(this.server))
      return client
    } catch (cause) {
      ended()
      await client.close().catch(() => undefined)
      throw new McpConnectFailed({ server: this.name, reason: reasonOf(cause) })
    }
  }

  /** Drops a client whose connection failed (an HTTP session the server no longer knows): the next call connects anew. */
  async forget(client: Client): Promise<void> {
    const current = await this.current?.catch(() => undefined)
    if (current === client) this.current = undefined
    await client.close().catch(() => undefined)
  }

  async close(): Promise<void> {
    this.closed = true
    const current = this.current
    this.current = undefined
    const client = await current?.catch(() => undefined)
    await client?.close()
  }
}
