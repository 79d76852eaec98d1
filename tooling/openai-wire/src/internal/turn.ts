/** What both API renderings read from a scripted turn: its pieces as the lists they are streamed in. */
import type { ToolCallScript, TurnReply, UsageScript } from '../script.js'

export const pieces = (value: string | ReadonlyArray<string> | undefined): ReadonlyArray<string> =>
  value === undefined ? [] : typeof value === 'string' ? [value] : value

export const whole = (value: string | ReadonlyArray<string> | undefined): string => pieces(value).join('')

/** The call id the turn's `n`th tool call goes out with (`undefined`: none sent). */
export const callId = (call: ToolCallScript, request: number, n: number): string | undefined =>
  call.id === null ? undefined : (call.id ?? `call_${request}_${n}`)

export const toolCalls = (reply: TurnReply): ReadonlyArray<ToolCallScript> => reply.toolCalls ?? []

/** The Chat Completions `usage` object. */
export const chatUsage = (usage: UsageScript) => ({
  prompt_tokens: usage.inputTokens,
  completion_tokens: usage.outputTokens,
  total_tokens: usage.inputTokens + usage.outputTokens,
  prompt_tokens_details: { cached_tokens: usage.cachedInputTokens ?? 0 },
  completion_tokens_details: { reasoning_tokens: usage.reasoningTokens ?? 0 },
})

/** The Responses `usage` object. */
export const responsesUsage = (usage: UsageScript) => ({
  input_tokens: usage.inputTokens,
  input_tokens_details: { cached_tokens: usage.cachedInputTokens ?? 0 },
  output_tokens: usage.outputTokens,
  output_tokens_details: { reasoning_tokens: usage.reasoningTokens ?? 0 },
  total_tokens: usage.inputTokens + usage.outputTokens,
})
