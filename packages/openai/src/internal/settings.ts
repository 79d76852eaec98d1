import type { ReasoningEffort } from 'openai/resources/shared'

/** What a request asks of the model besides the transcript: the `OpenAIModel.make` settings both APIs map. */
export interface Settings {
  readonly model: string
  readonly temperature?: number
  readonly maxOutputTokens?: number
  readonly parallelToolCalls?: boolean
  /** `auto` (the API's default), `none`, `required`, or one tool by name. */
  readonly toolChoice?: 'auto' | 'none' | 'required' | { readonly name: string }
  readonly reasoningEffort?: ReasoningEffort
  /** Responses only: `false` asks OpenAI not to keep the response. */
  readonly store?: boolean
}

/** Keeps only the entries whose value is set: the API reads a missing field as its default. */
export const defined = <A extends Record<string, unknown>>(
  fields: A,
): { [K in keyof A]?: Exclude<A[K], undefined> } =>
  Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as {
    [K in keyof A]?: Exclude<A[K], undefined>
  }
