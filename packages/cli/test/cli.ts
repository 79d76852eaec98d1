import { fileURLToPath } from 'node:url'
import { createClient, type CountersignClient } from '@countersign/client'
import {
  type FixtureUser,
  type ServerProcess,
  startServerProcess,
  startSourceProcess,
  tokenOf,
} from '@countersign/server/testing'
import { afterAll, afterEach, beforeAll } from 'vitest'
import { WebSocket } from 'ws'

/** The command as a user runs it: its bin, in node with tsx, workspace packages read from source. */
const bin = fileURLToPath(new URL('../src/bin.ts', import.meta.url))

export interface Ended {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  /** stdout, line by line. */
  readonly lines: ReadonlyArray<string>
}

export interface Running {
  /** Resolves with the first line printed on stdout that `matches`; rejects if the command ends first. */
  readonly nextLine: (matches: (line: string) => boolean) => Promise<string>
  readonly ended: Promise<Ended>
}

export interface CliOptions {
  /** Signs in as this fixture user through COUNTERSIGN_TOKEN (omit to set no token). */
  readonly as?: FixtureUser
  /** The server, through COUNTERSIGN_URL (omit to set no URL). */
  readonly server?: ServerProcess
  /** What the command reads on stdin (nothing when omitted). */
  readonly stdin?: string
  /** More environment variables (COUNTERSIGN_CONFIG, say). */
  readonly env?: Readonly<Record<string, string>>
}

const running = new Set<() => void>()
afterEach(() => {
  for (const kill of running) kill()
  running.clear()
})

/** Starts `countersign args…` in a child process, connected through its environment variables. */
export const startCli = (args: ReadonlyArray<string>, options: CliOptions = {}): Running => {
  const env: NodeJS.ProcessEnv = { ...process.env }
  delete env.COUNTERSIGN_URL
  delete env.COUNTERSIGN_TOKEN
  delete env.COUNTERSIGN_PROFILE
  // Never the profiles of whoever runs the tests.
  env.COUNTERSIGN_CONFIG = '/nonexistent/countersign-profiles.json'
  Object.assign(env, options.env)
  if (options.server !== undefined) env.COUNTERSIGN_URL = options.server.url
  if (options.as !== undefined) env.COUNTERSIGN_TOKEN = tokenOf(options.as)
  const command = startSourceProcess(bin, args, { name: `countersign ${args.join(' ')}`, env })
  const kill = () => void command.child.kill('SIGKILL')
  running.add(kill)
  command.child.stdin.end(options.stdin ?? '')
  let stdout = ''
  const lines: Array<string> = []
  command.output.on('line', (line) => {
    stdout += `${line}\n`
    lines.push(line)
  })
  const ended = command.ended.then(({ code, stderr }): Ended => {
    running.delete(kill)
    return { code, stdout, stderr, lines }
  })
  return { nextLine: command.nextLine, ended }
}

/** Runs `countersign args…` to its end. */
export const cli = (args: ReadonlyArray<string>, options?: CliOptions) => startCli(args, options).ended

/** A server process (the fixture server unless `entry` says otherwise) for the tests of one file. */
export const useServer = (entry?: string) => {
  let server: ServerProcess | undefined
  beforeAll(async () => {
    server = await startServerProcess(entry)
  })
  afterAll(() => server?.kill())
  return () => {
    if (server === undefined) throw new Error('the server process has not started')
    return server
  }
}

/** A client of the server as a fixture user, to set the scene and check what the command did; closed after the test. */
export const useClients = (server: () => ServerProcess) => {
  const clients: Array<CountersignClient> = []
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()))
  })
  return (user: FixtureUser) => {
    const client = createClient({ url: server().url, token: tokenOf(user), WebSocket })
    clients.push(client)
    return client
  }
}

/** For describing blocks whose tests run the command several times, each a node process compiling TypeScript as it starts. */
export const severalRuns = { timeout: 60_000 }

/** The JSON the command printed. */
export const json = <A = unknown>(ended: Ended): A => JSON.parse(ended.stdout) as A
