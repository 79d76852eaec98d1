import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { dirname } from 'node:path'
import { createInterface, type Interface } from 'node:readline'
import { fileURLToPath } from 'node:url'

/** A server process started for a test, and how to talk to it. */
export interface ServerProcess {
  readonly port: number
  /** Its process id. */
  readonly pid: number
  /** The HTTP base URL (`http://127.0.0.1:<port>`). */
  readonly url: string
  /** Sends a command line to the process's stdin (see the fixture server). */
  readonly send: (command: string) => void
  /** Resolves with the first line printed from now on that `matches`; rejects if the process ends first. */
  readonly nextLine: (matches: (line: string) => boolean) => Promise<string>
  /** Resolves when the process has exited, with its code and what it wrote to stderr. */
  readonly ended: Promise<{ readonly code: number | null; readonly stderr: string }>
  readonly kill: (signal?: NodeJS.Signals) => void
}

const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js'

/** The fixture server's entry: scripted agents and a team on the memory store. */
export const fixtureServerEntry = fileURLToPath(new URL(`./fixtureServer${extension}`, import.meta.url))

export { processRefund } from './tools.js'
export { tokenOf, tokens } from './tokens.js'
export type { FixtureUser } from './tokens.js'

/** A TypeScript entry running in a child process, read line by line. */
export interface SourceProcess {
  readonly child: ChildProcessWithoutNullStreams
  /** Its stdout, line by line. */
  readonly output: Interface
  /** Resolves with the first line printed from now on that `matches`; rejects if the process ends first. */
  readonly nextLine: (matches: (line: string) => boolean) => Promise<string>
  /** Resolves once the process has exited and its output streams have ended. */
  readonly ended: Promise<{ readonly code: number | null; readonly stderr: string }>
}

/**
 * Starts `entry` in node with tsx, workspace packages read from source, in the entry's folder
 * (tsx resolves from there: that package's own dependencies). `name` says which process ended
 * too early in the error of a line it never printed.
 */
export const startSourceProcess = (
  entry: string,
  args: ReadonlyArray<string>,
  options: { readonly name: string; readonly env?: NodeJS.ProcessEnv },
): SourceProcess => {
  const child = spawn(
    process.execPath,
    ['--conditions=@countersign/source', '--import', 'tsx', entry, ...args],
    { env: options.env ?? process.env, cwd: dirname(entry), stdio: ['pipe', 'pipe', 'pipe'] },
  )
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const output = createInterface({ input: child.stdout })
  // 'close' comes after the output streams end: every line has been read by then.
  const ended = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.once('close', (code) => resolve({ code, stderr })),
  )
  const nextLine = (matches: (line: string) => boolean) =>
    new Promise<string>((resolve, reject) => {
      const onLine = (line: string) => {
        if (!matches(line)) return
        output.off('line', onLine)
        resolve(line)
      }
      output.on('line', onLine)
      void ended.then(({ code }) =>
        reject(new Error(`${options.name} ended (${code}) before the line; stderr:\n${stderr}`)),
      )
    })
  return { child, output, nextLine, ended }
}

/**
 * Starts a server entry in a child process (see `startSourceProcess`), passing it `args` (the
 * fixture server's: its store and ledger), and resolves once it prints `listening <port>`: no
 * sleeping, no polling.
 */
export const startServerProcess = (
  entry: string = fixtureServerEntry,
  args: ReadonlyArray<string> = [],
): Promise<ServerProcess> => {
  const { child, nextLine, ended } = startSourceProcess(entry, args, { name: 'the server process' })
  return nextLine((line) => line.startsWith('listening ')).then((line) => {
    const port = Number(line.split(' ')[1])
    return {
      port,
      pid: child.pid ?? 0,
      url: `http://127.0.0.1:${port}`,
      send: (command) => void child.stdin.write(`${command}\n`),
      nextLine,
      ended,
      kill: (signal = 'SIGKILL') => void child.kill(signal),
    }
  })
}
