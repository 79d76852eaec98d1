/**
 * @countersign/wire-kit — the test-process side of a wire server: `startWireProcess(entry, args)`
 * starts the server module in a child process with tsx, waits for its `listening <port>` line, and
 * answers its URL, a `control` call for its `/__wire/` channel, and `close`. The wire packages
 * (openai-wire, slack-wire) build their handles on it; their servers use `@countersign/wire-kit/server`.
 */
import { spawn } from 'node:child_process'
import { dirname } from 'node:path'
import { createInterface } from 'node:readline'

export interface WireProcess {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  /** A call of the control channel: GET `/__wire/<path>`, or POST with `body` as JSON; rejects on a non-2xx answer. */
  readonly control: <A>(path: string, body?: unknown) => Promise<A>
  /** Stops the server process; idempotent. */
  readonly close: () => Promise<void>
}

/**
 * Starts `entry` (a server module of a wire package) in a child process, its folder the working
 * directory (tsx resolves from that package: its own dependency); resolves once it listens.
 * `name` says which in errors.
 */
export const startWireProcess = async (
  entry: string,
  args: ReadonlyArray<string>,
  name: string,
): Promise<WireProcess> => {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
    cwd: dirname(entry),
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout })
    lines.on('line', (line) => {
      const match = /^listening (\d+)$/.exec(line)
      if (match) resolve(Number(match[1]))
    })
    void exited.then(() => reject(new Error(`the ${name} server ended before listening; stderr:\n${stderr}`)))
  })
  // A forgotten close() must not keep the test process alive.
  child.unref()
  for (const stream of [child.stdin, child.stdout, child.stderr]) {
    ;(stream as unknown as { unref?: () => void }).unref?.()
  }

  const url = `http://127.0.0.1:${port}`
  let closing: Promise<void> | undefined
  return {
    url,
    control: async <A>(path: string, body?: unknown): Promise<A> => {
      const response = await fetch(`${url}/__wire/${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      if (!response.ok)
        throw new Error(`${name} control ${path}: ${response.status} ${await response.text()}`)
      return (await response.json()) as A
    },
    close: () =>
      (closing ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          // Waited for: the process must not end on an awaited exit that nothing keeps it alive for.
          child.ref()
          child.kill('SIGTERM')
          await exited
        }
      })()),
  }
}
