import { DefinitionError, Model } from '@countersign/core'
import type { CallSettings, LanguageModel } from './internal/languageModel.js'
import { openTurn } from './internal/languageModel.js'
import { streamTurn } from './internal/turn.js'

export type { CallSettings, LanguageModel, LanguageModelV4 } from './internal/languageModel.js'

export interface Options extends CallSettings {
  /** The model's id in runs and errors. Default: `provider:modelId`, e.g. `anthropic.messages:claude-sonnet-4-5`. */
  readonly id?: string
  /** How long one turn may take, in milliseconds, before it fails as a retryable timeout. Default: 10 minutes. */
  readonly timeoutMs?: number
}

const defaultTimeoutMs = 10 * 60 * 1000
/** The longest delay a Node timer can hold; a longer one would fire at once. */
const longestTimeoutMs = 2 ** 31 - 1

/**
 * A Countersign `Model` running a language model of the Vercel AI SDK's provider specification
 * (v2, v3 or v4: `@ai-sdk/anthropic`, `@ai-sdk/google`, `@ai-sdk/openai`, …). Text streams as it
 * arrives, tool calls come complete with the provider's ids, usage is reported per turn, and faults
 * become a `ModelError` with status, code and whether asking again may help.
 */
export const make = (languageModel: LanguageModel, options: Options = {}): Model.Model => {
  const {
    id = `${languageModel.provider}:${languageModel.modelId}`,
    timeoutMs = defaultTimeoutMs,
    ...settings
  } = options
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > longestTimeoutMs)
    throw new DefinitionError({
      subject: 'AI SDK model',
      reason: `timeoutMs must be a whole number of milliseconds from 1 to ${longestTimeoutMs}`,
    })
  const open = openTurn(languageModel, settings)
  return Model.fromAsyncIterable(id, (request, signal) => streamTurn(id, open, request, signal, timeoutMs))
}
