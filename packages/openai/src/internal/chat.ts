/** The Chat Completions API (`POST /chat/completions`, streamed): the transcript out, model chunks in. */
import type { Message, Model } from '@countersign/core'
import type {
  ChatCompletionChunk,
  ChatCompletionCreateParamsStreaming,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions'
import { endedEarly } from './errors.js'
import { defined, type Settings } from './settings.js'
import { decodeArguments, namedCall, turnEnd } from './toolCalls.js'
import { toolOutput } from './transcript.js'
import { usageChunk } from './usage.js'

type ModelRequest = Model.ModelRequest

const message = (entry: Message): ChatCompletionMessageParam => {
  switch (entry._tag) {
    case 'User':
      return { role: 'user', content: entry.content }
    case 'Assistant':
      return {
        role: 'assistant',
        content: entry.content === '' && entry.toolCalls.length > 0 ? null : entry.content,
        ...(entry.toolCalls.length === 0
          ? {}
          : {
              tool_calls: entry.toolCalls.map((call) => ({
                id: call.id,
                type: 'function' as const,
                function: { name: call.name, arguments: JSON.stringify(call.args) },
              })),
            }),
      }
    case 'Tool':
      return { role: 'tool', tool_call_id: entry.toolCallId, content: toolOutput(entry) }
  }
}

/** The request body: instructions as the system message, the transcript, the tools, the settings. */
export const chatParams = (
  request: ModelRequest,
  settings: Settings,
): ChatCompletionCreateParamsStreaming => {
  const hasTools = request.tools.length > 0
  const choice = settings.toolChoice
  return {
    model: settings.model,
    messages: [
      ...(request.instructions ? [{ role: 'system' as const, content: request.instructions }] : []),
      ...request.messages.map(message),
    ],
    stream: true,
    stream_options: { include_usage: true },
    ...defined({
      temperature: settings.temperature,
      max_completion_tokens: settings.maxOutputTokens,
      reasoning_effort: settings.reasoningEffort,
    }),
    // The API refuses tool settings on a request without tools.
    ...(hasTools
      ? {
          tools: request.tools.map((tool) => ({
            type: 'function' as const,
            function: { name: tool.name, description: tool.description, parameters: { ...tool.parameters } },
          })),
          ...defined({
            parallel_tool_calls: settings.parallelToolCalls,
            tool_choice:
              typeof choice === 'object'
                ? { type: 'function' as const, function: { name: choice.name } }
                : choice,
          }),
        }
      : {}),
  }
}

interface PendingCall {
  id: string | undefined
  name: string | undefined
  args: string
}

type Fragment = NonNullable<ChatCompletionChunk.Choice.Delta['tool_calls']>[number]

/**
 * Whether a fragment begins a new call rather than continuing `call`: another id (a server that puts every
 * call at index 0), or, from a server that sends no index, a second name.
 */
const startsAnother = (call: PendingCall, fragment: Fragment) =>
  (Boolean(fragment.id) && call.id !== undefined && fragment.id !== call.id) ||
  (fragment.index === undefined && Boolean(fragment.function?.name) && call.name !== undefined)

/**
 * The stream's chunks as model chunks: text as it comes; tool calls assembled from their fragments (keyed
 * by `index`, see `startsAnother` for servers that key them otherwise) and emitted once the stream is
 * done, with the provider's ids unless missing or already used; usage last, when the server sent it.
 */
export async function* chatChunks(
  model: string,
  request: ModelRequest,
  stream: AsyncIterable<ChatCompletionChunk>,
  signal: AbortSignal,
): AsyncGenerator<Model.ModelChunk> {
  const calls: Array<PendingCall> = []
  const byIndex = new Map<number, PendingCall>()
  let usage: ChatCompletionChunk['usage']
  let finished = false
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage
    const choice = chunk.choices?.[0]
    if (choice === undefined) continue
    if (choice.delta?.content) yield { _tag: 'TextDelta', text: choice.delta.content }
    for (const fragment of choice.delta?.tool_calls ?? []) {
      let call = fragment.index === undefined ? calls.at(-1) : byIndex.get(fragment.index)
      if (call === undefined || startsAnother(call, fragment)) {
        call = { id: undefined, name: undefined, args: '' }
        calls.push(call)
        if (fragment.index !== undefined) byIndex.set(fragment.index, call)
      }
      call.id ??= fragment.id || undefined
      call.name ??= fragment.function?.name || undefined
      call.args += fragment.function?.arguments ?? ''
    }
    if (choice.finish_reason) finished = true
  }
  // The SDK ends the stream quietly when the request is aborted: the run has stopped listening.
  if (signal.aborted) return
  if (!finished) throw endedEarly(model)
  // Decoded first: a turn with one bad call yields none of its calls.
  const decoded = calls.map((call) => {
    const name = namedCall(model, call.name)
    return { name, ...decodeArguments(call.args), provided: call.id }
  })
  yield* turnEnd(
    request.messages,
    decoded,
    usage &&
      usageChunk(
        usage.prompt_tokens,
        usage.completion_tokens,
        usage.prompt_tokens_details?.cached_tokens,
        usage.completion_tokens_details?.reasoning_tokens,
      ),
  )
}
