import { Schema } from 'effect'

/**
 * What a model turn cost, in tokens, as the provider counts them: `cachedInputTokens` are part of
 * `inputTokens`, `reasoningTokens` part of `outputTokens`.
 */
export const Usage = Schema.Struct({
  inputTokens: Schema.NonNegativeInt,
  outputTokens: Schema.NonNegativeInt,
  cachedInputTokens: Schema.optional(Schema.NonNegativeInt),
  reasoningTokens: Schema.optional(Schema.NonNegativeInt),
})
export type Usage = typeof Usage.Type

/** Two counts added up: what several turns (or runs) cost together. */
export const add = (a: Usage, b: Usage): Usage => {
  const optional = (key: 'cachedInputTokens' | 'reasoningTokens') =>
    a[key] === undefined && b[key] === undefined ? {} : { [key]: (a[key] ?? 0) + (b[key] ?? 0) }
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    ...optional('cachedInputTokens'),
    ...optional('reasoningTokens'),
  }
}
