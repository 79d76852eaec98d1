/** Reading what the adapter sent, the same way for both APIs: calls and tool results by call id. */
import type { RecordedRequest } from '@countersign/openai-wire'
import type { Api } from './fixtures.js'

type Entry = Record<string, unknown>

const entries = (request: RecordedRequest | undefined, key: 'messages' | 'input'): ReadonlyArray<Entry> =>
  ((request?.body as Entry | undefined)?.[key] as ReadonlyArray<Entry> | undefined) ?? []

/** The tool calls the transcript replays to the model: `{ id, name, arguments }`. */
export const callsSent = (request: RecordedRequest | undefined, api: Api) =>
  api === 'chat'
    ? entries(request, 'messages').flatMap((message) =>
        (
          (message.tool_calls as ReadonlyArray<{
            id: string
            function: { name: string; arguments: string }
          }>) ?? []
        ).map((call) => ({ id: call.id, name: call.function.name, arguments: call.function.arguments })),
      )
    : entries(request, 'input')
        .filter((item) => item.type === 'function_call')
        .map((item) => ({ id: item.call_id, name: item.name, arguments: item.arguments }))

/** The tool results the model reads: `{ id, output }`, by call id. */
export const resultsSent = (request: RecordedRequest | undefined, api: Api) =>
  api === 'chat'
    ? entries(request, 'messages')
        .filter((message) => message.role === 'tool')
        .map((message) => ({ id: message.tool_call_id, output: message.content }))
    : entries(request, 'input')
        .filter((item) => item.type === 'function_call_output')
        .map((item) => ({ id: item.call_id, output: item.output }))
