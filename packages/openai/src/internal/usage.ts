import type { Model } from '@countersign/core'
import { defined } from './settings.js'

/** A turn's token counts, as both APIs report them under their own names, as a `Usage` chunk. */
export const usageChunk = (
  inputTokens: number,
  outputTokens: number,
  cachedInputTokens: number | undefined,
  reasoningTokens: number | undefined,
): Model.ModelChunk => ({
  _tag: 'Usage',
  usage: { inputTokens, outputTokens, ...defined({ cachedInputTokens, reasoningTokens }) },
})
