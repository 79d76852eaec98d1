import { mkdirSync, realpathSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative, isAbsolute } from 'node:path'
import { approval, defineAgent, ScriptedModel, Tool } from '@countersign/core'
import { McpToolkit } from '@countersign/mcp'
import { SqliteStore } from '@countersign/sqlite'
import { Schema } from 'effect'
import { modelOr } from '../model.js'
import { taskOf, toolMessages } from './conversation.js'

const require = createRequire(import.meta.url)

/**
 * The folder the `files` agent works in: COUNTERSIGN_SANDBOX, else `sandbox` next to the demo's
 * SQLite file. Made, with a first note in it, when it does not exist.
 */
export const sandboxPath = () => {
  const sandbox =
    process.env.COUNTERSIGN_SANDBOX ||
    join(dirname(process.env.COUNTERSIGN_DB || SqliteStore.defaultPath()), 'sandbox')
  if (!existsSync(sandbox)) {
    mkdirSync(sandbox, { recursive: true })
    writeFileSync(
      join(sandbox, 'welcome.txt'),
      'Files here are read freely; writes wait for you, deletes for an approver.\n',
    )
  }
  return realpathSync(sandbox)
}

/** A path inside the sandbox, or a refusal: the model does not get to name any other file. */
const inside = (sandbox: string, path: string) => {
  const resolved = isAbsolute(path) ? path : join(sandbox, path)
  const within = relative(sandbox, resolved)
  if (within === '' || within.startsWith('..') || isAbsolute(within))
    throw new Error(`${path} is not in the sandbox`)
  return resolved
}

/** The filesystem reference server has no delete: this tool is the demo's own, and always needs an approver. */
const deleteFile = (sandbox: string) =>
  Tool.make({
    name: 'delete_file',
    description: 'Delete a file in the sandbox',
    parameters: Schema.Struct({ path: Schema.String }),
    approval: approval({ type: 'required', message: 'Deleting a file cannot be undone.' }),
    execute: ({ path }) => {
      const target = inside(sandbox, path)
      if (!statSync(target).isFile()) throw new Error(`${path} is not a file`)
      rmSync(target)
      return `Deleted ${path}`
    },
  })

/** What the scripted model does with a task in words: one call, then a sentence on how it went. */
const plannedCall = (sandbox: string, task: string) => {
  const at = (name: string) => join(sandbox, name)
  const move = /move (\S+) to (\S+)/i.exec(task)
  if (move) return { name: 'move_file', args: { source: at(move[1]!), destination: at(move[2]!) } }
  const write = /write "([^"]*)" to (\S+)/i.exec(task)
  if (write) return { name: 'write_file', args: { path: at(write[2]!), content: write[1]! } }
  const remove = /delete (\S+)/i.exec(task)
  if (remove) return { name: 'delete_file', args: { path: at(remove[1]!) } }
  const read = /read (\S+)/i.exec(task)
  if (read) return { name: 'read_text_file', args: { path: at(read[1]!) } }
  return { name: 'list_directory', args: { path: sandbox } }
}

/**
 * The `files` agent: it works in the sandbox through the filesystem MCP server, a child process
 * allowed into that folder only. The server's annotations decide what waits for whom: reading and
 * listing are free, writing and moving (destructive) ask the user to confirm; deleting, a tool of
 * the demo's own, needs an approver. Close it with the server.
 */
export const filesAgent = async () => {
  const sandbox = sandboxPath()
  const toolkit = await McpToolkit.connect({
    name: 'files',
    server: {
      command: process.execPath,
      args: [require.resolve('@modelcontextprotocol/server-filesystem/dist/index.js'), sandbox],
    },
    tools: [
      'read_text_file',
      'list_directory',
      'write_file',
      'move_file',
      'create_directory',
      'get_file_info',
    ],
  })
  const agent = defineAgent({
    id: 'files',
    name: 'Files',
    instructions: `You manage the files in the folder ${sandbox}. Always use absolute paths inside it.`,
    model: modelOr(
      ScriptedModel.make(
        (request) => {
          const [result] = toolMessages(request)
          if (result === undefined) return { toolCalls: [plannedCall(sandbox, taskOf(request))] }
          return result.outcome === 'completed' ? `Done: ${result.content}` : `Not done: ${result.content}`
        },
        { id: 'scripted-files' },
      ),
    ),
    tools: [toolkit, deleteFile(sandbox)],
  })
  return { agent, sandbox, close: toolkit.close }
}
