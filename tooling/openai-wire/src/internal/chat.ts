/** A scripted turn in Chat Completions' wire format (`POST /v1/chat/completions`). */
import type { TurnReply } from '../script.js'
import { callId, chatUsage, pieces, toolCalls, whole } from './turn.js'

const created = 1_760_000_000

const finishReason = (reply: TurnReply) =>
  reply.finishReason ?? (toolCalls(reply).length > 0 ? 'tool_calls' : 'stop')

/** The non-streamed `chat.completion` object. */
export const chatCompletion = (reply: TurnReply, request: number, model: string) => {
  const calls = toolCalls(reply).map((call, n) => ({
    ...(callId(call, request, n) === undefined ? {} : { id: callId(call, request, n) }),
    type: 'function',
    function: { name: call.name, arguments: whole(call.arguments) },
  }))
  return {
    id: `chatcmpl-${request}`,
    object: 'chat.completion',
    created,
    model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: reply.text === undefined ? null : whole(reply.text),
          refusal: null,
          ...(calls.length > 0 ? { tool_calls: calls } : {}),
        },
        finish_reason: finishReason(reply),
        logprobs: null,
      },
    ],
    ...(reply.usage ? { usage: chatUsage(reply.usage) } : {}),
  }
}

/**
 * The streamed turn as `data:` payloads, `[DONE]` last: a role chunk, the text deltas, each tool call's
 * id and name then its argument fragments (keyed by `index`), the finish chunk, and the usage chunk
 * (`choices: []`) when `includeUsage`.
 */
export const chatStreamEvents = (
  reply: TurnReply,
  request: number,
  model: string,
  includeUsage: boolean,
): ReadonlyArray<string> => {
  const chunk = (delta: object, finish: string | null = null) => ({
    id: `chatcmpl-${request}`,
    object: 'chat.completion.chunk',
    created,
    model,
    choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
    ...(includeUsage ? { usage: null } : {}),
  })
  const chunks: Array<object> = [chunk({ role: 'assistant', content: '', refusal: null })]
  for (const text of pieces(reply.text)) chunks.push(chunk({ content: text }))
  toolCalls(reply).forEach((call, index) => {
    const id = callId(call, request, index)
    chunks.push(
      chunk({
        tool_calls: [
          {
            index,
            ...(id === undefined ? {} : { id }),
            type: 'function',
            function: { name: call.name, arguments: '' },
          },
        ],
      }),
    )
    for (const fragment of pieces(call.arguments)) {
      chunks.push(chunk({ tool_calls: [{ index, function: { arguments: fragment } }] }))
    }
  })
  if (reply.streamError) {
    chunks.push({
      error: { message: reply.streamError.message, type: 'server_error', code: reply.streamError.code },
    })
    return chunks.map((value) => JSON.stringify(value))
  }
  chunks.push(chunk({}, finishReason(reply)))
  if (includeUsage && reply.usage) {
    chunks.push({
      id: `chatcmpl-${request}`,
      object: 'chat.completion.chunk',
      created,
      model,
      choices: [],
      usage: chatUsage(reply.usage),
    })
  }
  return [...chunks.map((value) => JSON.stringify(value)), '[DONE]']
}
