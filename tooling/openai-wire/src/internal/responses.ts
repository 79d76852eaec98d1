/** A scripted turn in the Responses API's wire format (`POST /v1/responses`). */
import type { TurnReply } from '../script.js'
import { callId, pieces, responsesUsage, toolCalls, whole } from './turn.js'

const createdAt = 1_760_000_000

/** An output item as it stands once complete: the assistant message, then one `function_call` per call. */
const outputItems = (reply: TurnReply, request: number) => [
  ...(reply.text === undefined
    ? []
    : [
        {
          id: `msg_${request}`,
          type: 'message',
          role: 'assistant',
          status: 'completed',
          content: [{ type: 'output_text', text: whole(reply.text), annotations: [], logprobs: [] }],
        },
      ]),
  ...toolCalls(reply).map((call, n) => ({
    id: `fc_${request}_${n}`,
    type: 'function_call',
    status: 'completed',
    call_id: callId(call, request, n) ?? '',
    name: call.name,
    arguments: whole(call.arguments),
  })),
]

type Status = 'in_progress' | 'completed' | 'failed'

const response = (reply: TurnReply, request: number, model: string, status: Status) => ({
  id: `resp_${request}`,
  object: 'response',
  created_at: createdAt,
  status,
  model,
  output: status === 'in_progress' ? [] : outputItems(reply, request),
  error: status === 'failed' && reply.streamError ? reply.streamError : null,
  incomplete_details: null,
  usage: status !== 'in_progress' && reply.usage ? responsesUsage(reply.usage) : null,
})

/** The non-streamed `response` object. */
export const responseObject = (reply: TurnReply, request: number, model: string) =>
  response(reply, request, model, 'completed')

/** One Server-Sent Event as the Responses API frames it: `event:` its type, `data:` the JSON. */
export interface ResponsesEvent {
  readonly type: string
  readonly data: string
}

/**
 * The streamed turn's events: `response.created`, `response.in_progress`; the message item (added,
 * content part, `output_text.delta`s, done); each `function_call` item (added with its `call_id` and
 * name, `function_call_arguments.delta`s, `.done`, item done); then `response.completed` with the
 * usage — or `response.failed` for a `streamError`.
 */
export const responsesStreamEvents = (
  reply: TurnReply,
  request: number,
  model: string,
): ReadonlyArray<ResponsesEvent> => {
  const events: Array<Record<string, unknown>> = []
  const push = (type: string, fields: Record<string, unknown>) => events.push({ type, ...fields })
  push('response.created', { response: response(reply, request, model, 'in_progress') })
  push('response.in_progress', { response: response(reply, request, model, 'in_progress') })
  const items = outputItems(reply, request)
  let outputIndex = 0
  if (reply.text !== undefined) {
    const item = items[0]!
    const itemId = `msg_${request}`
    const part = { type: 'output_text', text: '', annotations: [], logprobs: [] }
    push('response.output_item.added', {
      output_index: outputIndex,
      item: { ...item, status: 'in_progress', content: [] },
    })
    push('response.content_part.added', {
      item_id: itemId,
      output_index: outputIndex,
      content_index: 0,
      part,
    })
    for (const delta of pieces(reply.text)) {
      push('response.output_text.delta', {
        item_id: itemId,
        output_index: outputIndex,
        content_index: 0,
        delta,
        logprobs: [],
      })
    }
    const text = whole(reply.text)
    push('response.output_text.done', {
      item_id: itemId,
      output_index: outputIndex,
      content_index: 0,
      text,
      logprobs: [],
    })
    push('response.content_part.done', {
      item_id: itemId,
      output_index: outputIndex,
      content_index: 0,
      part: { ...part, text },
    })
    push('response.output_item.done', { output_index: outputIndex, item })
    outputIndex++
  }
  toolCalls(reply).forEach((call, n) => {
    const item = items[outputIndex]!
    const itemId = `fc_${request}_${n}`
    push('response.output_item.added', {
      output_index: outputIndex,
      item: { ...item, status: 'in_progress', arguments: '' },
    })
    for (const delta of pieces(call.arguments)) {
      push('response.function_call_arguments.delta', { item_id: itemId, output_index: outputIndex, delta })
    }
    push('response.function_call_arguments.done', {
      item_id: itemId,
      output_index: outputIndex,
      name: call.name,
      arguments: whole(call.arguments),
    })
    push('response.output_item.done', { output_index: outputIndex, item })
    outputIndex++
  })
  if (reply.streamError) push('response.failed', { response: response(reply, request, model, 'failed') })
  else push('response.completed', { response: response(reply, request, model, 'completed') })
  return events.map((event, sequence) => ({
    type: event.type as string,
    data: JSON.stringify({ ...event, sequence_number: sequence }),
  }))
}
