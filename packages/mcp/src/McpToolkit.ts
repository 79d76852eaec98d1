import { DefinitionError, Tool, Toolkit } from '@countersign/core'
import type { Tool as McpTool } from '@modelcontextprotocol/sdk/types.js'
import { Either } from 'effect'
import * as AnnotationsPolicy from './AnnotationsPolicy.js'
import { McpElicitation } from './McpElicitation.js'
import { McpConnectFailed, McpToolkitInvalid, McpUnknownTool } from './McpError.js'
import { callTool, type CallSite } from './internal/callTool.js'
import { Connection, type ServerAddress } from './internal/connection.js'
import { HeldCalls } from './internal/heldCalls.js'
import { parametersOf } from './internal/inputSchema.js'
import { toolNameOf } from './internal/names.js'

export type { HttpServer, ServerAddress, StdioServer } from './internal/connection.js'
export { idempotencyMetaKey } from './internal/callTool.js'

/** The human-control lists, by the server's tool names. */
const lists = [
  'requiresConfirmationTools',
  'requiresApprovalTools',
  'auditTools',
  'requiresUserInputTools',
  'externalExecutionTools',
] as const
type ListName = (typeof lists)[number]

export interface McpToolkitOptions extends Partial<Record<ListName, ReadonlyArray<string>>> {
  /** The toolkit's name: it names the server in errors, questions and logs. */
  readonly name: string
  readonly server: ServerAddress
  /** Put before every tool's name (`fs_` makes `read_file` `fs_read_file`); the lists keep the server's names. */
  readonly prefix?: string
  /** Only these of the server's tools (by its names); the others are left out. */
  readonly tools?: ReadonlyArray<string>
  /** The server's tools to leave out. */
  readonly exclude?: ReadonlyArray<string>
  /**
   * How the server's annotations become requirements (see `AnnotationsPolicy`), changed from the
   * defaults where given; `false` ignores them (every tool is then judged destructive). A tool
   * named in any of the lists is judged by the lists alone.
   */
  readonly annotations?: Partial<AnnotationsPolicy.AnnotationsPolicy> | false
  /** Hints to judge a tool by instead of the server's own, by the server's tool name. */
  readonly hints?: Readonly<Record<string, AnnotationsPolicy.Hints>>
  /** How long the server may take on a call, not counting time waiting for a person (default 60 s). */
  readonly timeoutMs?: number
  /** How long the server's question may wait for its answer before it is cancelled (default 10 minutes). */
  readonly inputTimeoutMs?: number
  /** The most characters of a result the model reads (default 100 000). */
  readonly maxResultChars?: number
}

/** An MCP server's tools as a Countersign toolkit, connected. Close it with the agent or server that uses it. */
export interface McpToolkit extends Toolkit.Toolkit {
  /** Server tools left out because their schema could not be used, and why. */
  readonly skipped: ReadonlyArray<{ readonly name: string; readonly reason: string }>
  /** Ends the connection (a child process is stopped) and cancels calls still waiting for an answer. */
  readonly close: () => Promise<void>
  readonly [Symbol.asyncDispose]: () => Promise<void>
}

const maxDescription = 2_000

const policyOf = (options: McpToolkitOptions): AnnotationsPolicy.AnnotationsPolicy =>
  options.annotations === false
    ? AnnotationsPolicy.defaults
    : { ...AnnotationsPolicy.defaults, ...options.annotations }

const hintsOf = (options: McpToolkitOptions, tool: McpTool): AnnotationsPolicy.Hints =>
  options.annotations === false ? {} : (options.hints?.[tool.name] ?? tool.annotations ?? {})

/** Every name in an option must be one the server offers: a typo would leave a tool unguarded. */
const checkNames = (options: McpToolkitOptions, offered: ReadonlySet<string>) => {
  for (const option of [...lists, 'tools', 'exclude'] as const)
    for (const name of options[option] ?? [])
      if (!offered.has(name)) throw new McpUnknownTool({ server: options.name, option, toolName: name })
  for (const name of Object.keys(options.hints ?? {}))
    if (!offered.has(name))
      throw new McpUnknownTool({ server: options.name, option: 'hints', toolName: name })
}

/** The lists a tool's annotations put it on, under the policy, unless the options list it themselves. */
const listsOf = (options: McpToolkitOptions, policy: AnnotationsPolicy.AnnotationsPolicy, tool: McpTool) => {
  const explicit = lists.filter((list) => options[list]?.includes(tool.name) === true)
  if (explicit.length > 0) return explicit
  const { control, audited } = AnnotationsPolicy.controlOf(policy, hintsOf(options, tool))
  return [
    ...(control === 'confirm' ? (['requiresConfirmationTools'] as const) : []),
    ...(control === 'approve' ? (['requiresApprovalTools'] as const) : []),
    ...(control === 'audit' || audited ? (['auditTools'] as const) : []),
  ]
}

/**
 * Connects to an MCP server and makes its tools Countersign tools: each checks its arguments
 * against the server's input schema before anyone is asked about it, carries its idempotency key
 * in the request's `_meta`, and needs what the lists and the annotations policy say. Fails with
 * McpConnectFailed, McpUnknownTool or McpToolkitInvalid.
 */
export const connect = async (options: McpToolkitOptions): Promise<McpToolkit> => {
  const prefix = options.prefix ?? ''
  if (!/^[a-zA-Z0-9_-]*$/.test(prefix))
    throw new McpToolkitInvalid({ server: options.name, reason: 'a prefix is letters, digits, "_" or "-"' })
  const held = new HeldCalls(options.inputTimeoutMs ?? 10 * 60_000)
  const connection = new Connection(options.name, options.server, (client, params, signal) =>
    held.ask(client, params, signal),
  )
  try {
    const client = await connection.client()
    const offered = await client.listTools().catch((cause: unknown) => {
      throw new McpConnectFailed({
        server: options.name,
        reason: `it did not list its tools (${String(cause)})`,
      })
    })
    checkNames(options, new Set(offered.tools.map((tool) => tool.name)))
    const policy = policyOf(options)
    const site: CallSite = {
      server: options.name,
      connection,
      held,
      policy,
      timeoutMs: options.timeoutMs ?? 60_000,
      inputTimeoutMs: options.inputTimeoutMs ?? 10 * 60_000,
      maxResultChars: options.maxResultChars ?? 100_000,
    }
    const chosen = offered.tools.filter(
      (tool) =>
        (options.tools === undefined || options.tools.includes(tool.name)) &&
        !(options.exclude ?? []).includes(tool.name),
    )
    const skipped: Array<{ name: string; reason: string }> = []
    const made: Array<{ tool: Tool.Tool; on: ReadonlyArray<ListName> }> = []
    for (const mcpTool of chosen) {
      const parameters = parametersOf(mcpTool.inputSchema)
      if (Either.isLeft(parameters)) {
        skipped.push({ name: mcpTool.name, reason: parameters.left })
        continue
      }
      const { schema, problem } = parameters.right
      const run = callTool(site, mcpTool, hintsOf(options, mcpTool))
      const check = (args: unknown) => {
        const reason = problem(args)
        if (reason !== undefined) throw new Error(reason)
      }
      made.push({
        on: listsOf(options, policy, mcpTool),
        tool: Tool.make({
          name: toolNameOf(prefix, mcpTool.name),
          description: (mcpTool.description ?? mcpTool.title ?? mcpTool.name).slice(0, maxDescription),
          parameters: schema,
          // Before anyone is asked: a call whose arguments the server would refuse is not worth a decision.
          requires: (args) => {
            check(args)
            return []
          },
          execute: (args, ctx) => {
            check(args)
            return run(args, ctx)
          },
        }),
      })
    }
    const toolkit = Toolkit.make({
      name: options.name,
      tools: made.map(({ tool }) => tool),
      plugins: [McpElicitation],
      ...Object.fromEntries(
        lists.map((list) => [list, made.filter(({ on }) => on.includes(list)).map(({ tool }) => tool.name)]),
      ),
    })
    const close = async () => {
      held.abandonAll()
      await connection.close()
    }
    return { ...toolkit, skipped, close, [Symbol.asyncDispose]: close }
  } catch (cause) {
    await connection.close()
    if (cause instanceof DefinitionError)
      throw new McpToolkitInvalid({ server: options.name, reason: cause.reason })
    throw cause
  }
}
