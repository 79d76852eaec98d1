import type { JsonValue, Model, Usage } from '@countersign/core'
import { parseJson } from './json.js'

/**
 * The stream parts this adapter reads, as the v2, v3 and v4 specifications all shape them (text
 * deltas are `delta` since v2), and the names of the parts it lets pass. Tool input deltas are
 * among those: every spec version ends a client-side call with a complete `tool-call` part.
 */
export type StreamPart =
  | { readonly type: 'text-delta'; readonly delta: string }
  | {
      readonly type: 'tool-call'
      readonly toolCallId: string
      readonly toolName: string
      readonly input: string
      readonly providerExecuted?: boolean
    }
  | { readonly type: 'finish'; readonly usage: UsageV2 | UsageV3 }
  | { readonly type: 'error'; readonly error: unknown }
  | { readonly type: PassedOver }

type PassedOver =
  | 'stream-start'
  | 'response-metadata'
  | 'text-start'
  | 'text-end'
  | 'reasoning-start'
  | 'reasoning-delta'
  | 'reasoning-end'
  | 'reasoning-file'
  | 'tool-input-start'
  | 'tool-input-delta'
  | 'tool-input-end'
  | 'tool-approval-request'
  | 'tool-result'
  | 'file'
  | 'source'
  | 'custom'
  | 'ping'
  | 'raw'

/** v2 counts flat; `cachedInputTokens` and `reasoningTokens` are parts of the totals. */
interface UsageV2 {
  readonly inputTokens: number | undefined
  readonly outputTokens: number | undefined
  readonly cachedInputTokens?: number | undefined
  readonly reasoningTokens?: number | undefined
}

/** v3 and v4 split each side: `cacheRead` is part of the input total, `reasoning` of the output total. */
interface UsageV3 {
  readonly inputTokens: { readonly total: number | undefined; readonly cacheRead: number | undefined }
  readonly outputTokens: { readonly total: number | undefined; readonly reasoning: number | undefined }
}

/** One stream part as what the run reads, or nothing for parts it has no use for. */
export const toChunk = (part: StreamPart): Model.ModelChunk | undefined => {
  switch (part.type) {
    case 'text-delta':
      return part.delta === '' ? undefined : { _tag: 'TextDelta', text: part.delta }
    case 'tool-call':
      // The provider ran it itself (a hosted search, say): nothing for the run to carry out.
      if (part.providerExecuted === true) return undefined
      return callOf(part.toolCallId, part.toolName, part.input)
    case 'finish': {
      const usage = toUsage(part.usage)
      return usage === undefined ? undefined : { _tag: 'Usage', usage }
    }
    default:
      return undefined
  }
}

/**
 * A complete call, or, when its input is not a JSON object, an `InvalidToolCall`: the run never
 * runs it, and tells the model why, so that it may try again.
 */
const callOf = (id: string, name: string, input: string): Model.ModelChunk => {
  // A call without parameters may come with no input at all.
  if (input.trim() === '') return { _tag: 'ToolCall', call: { id, name, args: {} } }
  const args = parseJson(input)
  return typeof args === 'object' && args !== null && !Array.isArray(args)
    ? { _tag: 'ToolCall', call: { id, name, args: args as Record<string, JsonValue> } }
    : { _tag: 'InvalidToolCall', id, name, args: input, reason: 'not a JSON object' }
}

const isSplit = (usage: UsageV2 | UsageV3): usage is UsageV3 => typeof usage.inputTokens === 'object'

const toUsage = (usage: UsageV2 | UsageV3): Usage | undefined => {
  const counts = isSplit(usage)
    ? {
        input: usage.inputTokens.total,
        output: usage.outputTokens.total,
        cached: usage.inputTokens.cacheRead,
        reasoning: usage.outputTokens.reasoning,
      }
    : {
        input: usage.inputTokens,
        output: usage.outputTokens,
        cached: usage.cachedInputTokens,
        reasoning: usage.reasoningTokens,
      }
  const input = count(counts.input)
  const output = count(counts.output)
  // A provider that reports nothing leaves the turn's cost unknown rather than zero.
  if (input === undefined && output === undefined) return undefined
  const cached = count(counts.cached)
  const reasoning = count(counts.reasoning)
  return {
    inputTokens: input ?? 0,
    outputTokens: output ?? 0,
    ...(cached === undefined ? {} : { cachedInputTokens: cached }),
    ...(reasoning === undefined ? {} : { reasoningTokens: reasoning }),
  }
}

const count = (value: number | undefined) =>
  value !== undefined && Number.isInteger(value) && value >= 0 ? value : undefined
