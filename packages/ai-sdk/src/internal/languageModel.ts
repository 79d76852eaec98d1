import type { LanguageModelV2, LanguageModelV3, SharedV2ProviderOptions } from '@ai-sdk/provider'
import type { Model } from '@countersign/core'
import { DefinitionError } from '@countersign/core'
import type { DeniedV3, FunctionTool, Prompt } from './prompt.js'
import { deniedV2, deniedV3, toPrompt, toTools } from './prompt.js'
import type { StreamPart } from './streamParts.js'

/** Call settings passed through to the provider on every turn. */
export interface CallSettings {
  readonly maxOutputTokens?: number
  readonly temperature?: number
  /** Provider-specific options, by provider name (e.g. `{ anthropic: { thinking: … } }`). */
  readonly providerOptions?: SharedV2ProviderOptions
  /** Extra HTTP headers for each request. */
  readonly headers?: Record<string, string>
}

interface CallOptions<Denied> extends CallSettings {
  readonly prompt: Prompt<Denied>
  readonly tools: Array<FunctionTool>
  readonly abortSignal: AbortSignal
}

/**
 * A model of the v4 specification (`@ai-sdk/provider` 4.x, whose providers need Node 22), as far
 * as this adapter uses it: the prompt it is given and the parts it streams keep their v3 shapes.
 * Typed here rather than imported, so the package depends on a provider line that runs on Node 20.
 */
export interface LanguageModelV4 {
  readonly specificationVersion: 'v4'
  readonly provider: string
  readonly modelId: string
  doStream(options: CallOptions<DeniedV3>): PromiseLike<{ readonly stream: ReadableStream<StreamPart> }>
}

/** A language model of any specification version this adapter speaks. */
export type LanguageModel = LanguageModelV2 | LanguageModelV3 | LanguageModelV4

/** Starts one streamed turn: the transcript as a prompt in the model's specification version. */
export type OpenTurn = (
  request: Model.ModelRequest,
  abortSignal: AbortSignal,
) => PromiseLike<{ readonly stream: ReadableStream<StreamPart> }>

export const openTurn = (model: LanguageModel, settings: CallSettings): OpenTurn => {
  const options =
    <Denied>(denied: (note: string) => Denied) =>
    (request: Model.ModelRequest, abortSignal: AbortSignal): CallOptions<Denied> => ({
      ...settings,
      prompt: toPrompt(request, denied),
      tools: toTools(request.tools),
      abortSignal,
    })
  switch (model.specificationVersion) {
    case 'v2': {
      const v2 = options(deniedV2)
      return (request, abortSignal) => model.doStream(v2(request, abortSignal))
    }
    case 'v3':
    case 'v4': {
      const v3 = options(deniedV3)
      return (request, abortSignal) => model.doStream(v3(request, abortSignal))
    }
    default:
      // A plain-JavaScript caller may hand over anything: say what is expected.
      throw new DefinitionError({
        subject: 'AI SDK model',
        reason: `specification version ${String((model as { specificationVersion?: unknown }).specificationVersion)} is not supported (v2, v3 and v4 are)`,
      })
  }
}
