import { createOpenAI } from '@ai-sdk/openai'
import { startOpenAIWire, type OpenAIWire, type RecordedRequest } from '@countersign/openai-wire'
import { afterAll, afterEach, beforeAll } from 'vitest'

/**
 * One wire server process for a test file, forgotten between tests: the adapter under test runs a
 * real provider package whose requests cross a real HTTP connection to it.
 */
export const useWire = (): { readonly current: OpenAIWire } => {
  const holder: { current: OpenAIWire } = { current: undefined as unknown as OpenAIWire }
  beforeAll(async () => {
    holder.current = await startOpenAIWire()
  })
  afterEach(() => holder.current.reset())
  afterAll(() => holder.current.close())
  return holder
}

/** `@ai-sdk/openai` (spec v3) pointed at the wire server: Chat Completions, or the Responses API. */
export const openai = (wire: OpenAIWire) => createOpenAI({ apiKey: 'test-key', baseURL: wire.baseURL })

/** A recorded request's JSON body. */
export const bodyOf = (request: RecordedRequest | undefined) => request?.body as Record<string, unknown>
