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
import { fileURLToPath } from 'node:url'
import { startWireProcess } from '@countersign/wire-kit'
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
  const { url, control, close } = await startWireProcess(serverEntry, [], 'openai-wire')

  return {
    url,
    baseURL: `${url}/v1`,
    script: async (...replies) => void (await control('script', { replies })),
    requests: () => control('requests'),
    waitForRequests: (count) => control(`wait/requests/${count}`),
    waitForClose: (index) => control(`wait/closed/${index}`),
    pending: async () => (await control<{ pending: number }>('pending')).pending,
    reset: async () => void (await control('reset', {})),
    close,
  }
}
