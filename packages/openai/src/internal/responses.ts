/** The Responses API (`POST /responses`, streamed): the transcript out as input items, model chunks in. */
import type { Message, Model } from '@countersign/core'
import type {
  ResponseCreateParamsStreaming,
  ResponseInputItem,
  ResponseStreamEvent,
} from 'openai/resources/responses/responses'
import { endedEarly, streamError } from './errors.js'
import { defined, type Settings } from './settings.js'
import { decodeArguments, namedCall, turnEnd, type DecodedCall } from './toolCalls.js'
import { toolOutput } from './transcript.js'
import { usageChunk } from './usage.js'

type ModelRequest = Model.ModelRequest

/** One transcript entry as input items: an assistant turn is its text, then one `function_call` per call. */
const items = (entry: Message): ReadonlyArray<ResponseInputItem> => {
  switch (entry._tag) {
    case 'User':
      return [{ role: 'user', content: entry.content }]
    case 'Assistant':
      return [
        ...(entry.content === '' ? [] : [{ role: 'assistant' as const, content: entry.content }]),
        ...entry.toolCalls.map((call) => ({
          type: 'function_call' as const,
          call_id: call.id,
          name: call.name,
          arguments: JSON.stringify(call.args),
        })),
      ]
    case 'Tool':
      return [{ type: 'function_call_output', call_id: entry.toolCallId, output: toolOutput(entry) }]
  }
}

/**
 * The request body: the whole transcript as `input` each time (no `previous_response_id`, so a run resumed
 * elsewhere, or with `store: false`, carries its own conversation), the tools, the settings.
 */
export const responsesParams = (request: ModelRequest, settings: Settings): ResponseCreateParamsStreaming => {
  const hasTools = request.tools.length > 0
  const choice = settings.toolChoice
  return {
    model: settings.model,
    input: request.messages.flatMap(items),
    stream: true,
    ...defined({
      instructions: request.instructions || undefined,
      temperature: settings.temperature,
      max_output_tokens: settings.maxOutputTokens,
      store: settings.store,
      reasoning: settings.reasoningEffort === undefined ? undefined : { effort: settings.reasoningEffort },
    }),
    ...(hasTools
      ? {
          tools: request.tools.map((tool) => ({
            type: 'function' as const,
            name: tool.name,
            description: tool.description,
            parameters: { ...tool.parameters },
            strict: false,
          })),
          ...defined({
            parallel_tool_calls: settings.parallelToolCalls,
            tool_choice:
              typeof choice === 'object' ? { type: 'function' as const, name: choice.name } : choice,
          }),
        }
      : {}),
  }
}

interface PendingCall {
  readonly callId: string | undefined
  readonly name: string | undefined
  args: string
}

/**
 * The stream's events as model chunks: `output_text.delta`s as text; a `function_call` item, announced by
 * `output_item.added` and grown by `function_call_arguments.delta`s, complete when its item is done and emitted
 * with the response's end (`call_id` kept unless missing or already used); usage from `response.completed` (or `.incomplete`, which
 * ends the turn with what came). `response.failed` and `error` events fail the turn.
 */
export async function* responsesChunks(
  model: string,
  request: ModelRequest,
  stream: AsyncIterable<ResponseStreamEvent>,
  signal: AbortSignal,
): AsyncGenerator<Model.ModelChunk> {
  const calls = new Map<number, PendingCall>()
  // Emitted with the response's end: a turn with one bad call yields none of its calls.
  const done: Array<DecodedCall> = []
  for await (const event of stream) {
    switch (event.type) {
      case 'response.output_text.delta':
        if (event.delta) yield { _tag: 'TextDelta', text: event.delta }
        break
      case 'response.output_item.added':
        if (event.item.type === 'function_call') {
          calls.set(event.output_index, {
            callId: event.item.call_id,
            name: event.item.name,
            args: event.item.arguments ?? '',
          })
        }
        break
      case 'response.function_call_arguments.delta': {
        const call = calls.get(event.output_index)
        if (call) call.args += event.delta
        break
      }
      case 'response.output_item.done':
        if (event.item.type === 'function_call') {
          const pending = calls.get(event.output_index)
          calls.delete(event.output_index)
          const name = namedCall(model, event.item.name || pending?.name)
          // The done item carries the whole arguments; the deltas stand in for a server that leaves them out.
          const decoded = decodeArguments(event.item.arguments || pending?.args || '')
          done.push({ provided: event.item.call_id || pending?.callId, name, ...decoded })
        }
        break
      case 'response.completed':
      case 'response.incomplete': {
        const usage = event.response.usage
        yield* turnEnd(
          request.messages,
          done,
          usage &&
            usageChunk(
              usage.input_tokens,
              usage.output_tokens,
              usage.input_tokens_details?.cached_tokens,
              usage.output_tokens_details?.reasoning_tokens,
            ),
        )
        return
      }
      case 'response.failed':
        throw streamError(model, event.response.error)
      case 'error':
        throw streamError(model, event)
    }
  }
  if (signal.aborted) return
  throw endedEarly(model)
}
