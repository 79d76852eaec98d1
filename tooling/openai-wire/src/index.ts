/**
 * @countersign/openai-wire — a local server that speaks OpenAI's wire format, for tests of model adapters.
 *
 * `startOpenAIWire()` starts the server in a child process (plain `node:http`, see `server.ts`) on a
 * loopback port and returns a handle: point an OpenAI client at `baseURL`, `script(...)` what the next
 * requests get, then assert what `requests()` recorded. It serves `POST /v1/chat/completions` (streamed
 * with `stream: true`, else JSON) and `POST /v1/responses` (streamed or not); each request takes the next
 * scripted reply — a turn (text, tool calls, usage, and optionally a fault in its stream), an HTTP error
 * with OpenAI's error body, or raw bytes.
 *
 *     const wire = await startOpenAIWire()
 *     await wire.script(turn({ text: ['Hel', 'lo'], usage: { inputTokens: 5, outputTokens: 2 } }))
 *     const client = new OpenAI({ apiKey: 'test', baseURL: wire.baseURL })
 *     …
 *     const [request] = await wire.requests()
 *     await wire.close()
 */
import { spawn } from 'node:child_process'
import { dirname } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { RecordedRequest, Reply } from './script.js'

export * from './script.js'

export interface OpenAIWire {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  /** `http://127.0.0.1:<port>/v1`: an OpenAI client's `baseURL`. */
  readonly baseURL: string
  /** Appends replies: the next API requests get them, one each, in order. */
  readonly script: (...replies: ReadonlyArray<Reply>) => Promise<void>
  /** Every API request received so far, in order. */
  readonly requests: () => Promise<ReadonlyArray<RecordedRequest>>
  /** Resolves once at least `count` API requests have arrived, with all of them. */
  readonly waitForRequests: (count: number) => Promise<ReadonlyArray<RecordedRequest>>
  /** Resolves once the connection of request `index` has ended (see `closedByClient`), with its record. */
  readonly waitForClose: (index: number) => Promise<RecordedRequest>
  /** How many scripted replies no request has taken yet. */
  readonly pending: () => Promise<number>
  /** Forgets the unused replies and the recorded requests (request numbering starts again at 0). */
  readonly reset: () => Promise<void>
  /** Stops the server process; idempotent. */
  readonly close: () => Promise<void>
}

const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js'
const serverEntry = fileURLToPath(new URL(`./server${extension}`, import.meta.url))

/** Starts the wire server in a child process; resolves once it listens. */
export const startOpenAIWire = async (): Promise<OpenAIWire> => {
  // tsx resolves from this package's folder: its own dependency.
  const child = spawn(process.execPath, ['--import', 'tsx', serverEntry], {
    cwd: dirname(serverEntry),
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
    void exited.then(() =>
      reject(new Error(`the openai-wire server ended before listening; stderr:\n${stderr}`)),
    )
  })
  // A forgotten close() must not keep the test process alive.
  child.unref()
  for (const stream of [child.stdin, child.stdout, child.stderr]) {
    ;(stream as unknown as { unref?: () => void }).unref?.()
  }

  const url = `http://127.0.0.1:${port}`
  const control = async <A>(path: string, body?: unknown): Promise<A> => {
    const response = await fetch(`${url}/__wire/${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    if (!response.ok)
      throw new Error(`openai-wire control ${path}: ${response.status} ${await response.text()}`)
    return (await response.json()) as A
  }
  let closing: Promise<void> | undefined

  return {
    url,
    baseURL: `${url}/v1`,
    script: async (...replies) => void (await control('script', { replies })),
    requests: () => control('requests'),
    waitForRequests: (count) => control(`wait/requests/${count}`),
    waitForClose: (index) => control(`wait/closed/${index}`),
    pending: async () => (await control<{ pending: number }>('pending')).pending,
    reset: async () => void (await control('reset', {})),
    close: () =>
      (closing ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM')
          await exited
        }
      })()),
  }
}
