import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import type { StdioServer } from '../../src/McpToolkit.js'

const require = createRequire(import.meta.url)

/** The published filesystem reference server, as a child process allowed into `directory` only. */
export const filesystemServer = (directory: string): StdioServer => ({
  command: process.execPath,
  args: [require.resolve('@modelcontextprotocol/server-filesystem/dist/index.js'), directory],
})

/** The published "everything" reference server (elicitation, annotations, structured output), over stdio. */
export const everythingServer = (): StdioServer => ({
  command: process.execPath,
  args: [require.resolve('@modelcontextprotocol/server-everything/dist/index.js'), 'stdio'],
})

const hostileEntry = fileURLToPath(new URL('./hostile.ts', import.meta.url))

/** The misbehaving server of `servers/hostile.ts`, recording its calls in `ledger`. */
export const hostileServer = (ledger: string): StdioServer => ({
  command: process.execPath,
  args: ['--import', 'tsx', hostileEntry, ledger],
  cwd: fileURLToPath(new URL('.', import.meta.url)),
})

/** The "everything" reference server's Streamable HTTP entry, run as `node ENTRY streamableHttp` with PORT set. */
export const everythingEntry = require.resolve('@modelcontextprotocol/server-everything/dist/index.js')
