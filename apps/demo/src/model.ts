/**
 * The model the demo's agents, team and workflow run on: a real one when OPENAI_API_KEY or
 * OPENAI_BASE_URL is set, else each its own script (no key needed). COUNTERSIGN_MODEL names the
 * model (default gpt-4.1-mini); COUNTERSIGN_MODEL_API says which API, `responses` or `chat`
 * (default: `responses` for OpenAI, `chat` for the OpenAI-compatible server at OPENAI_BASE_URL).
 */
import type { Model } from '@countersign/core'
import { OpenAIModel } from '@countersign/openai'

const { OPENAI_API_KEY, OPENAI_BASE_URL, COUNTERSIGN_MODEL, COUNTERSIGN_MODEL_API } = process.env

const name = COUNTERSIGN_MODEL || 'gpt-4.1-mini'
const api =
  COUNTERSIGN_MODEL_API === 'chat' || COUNTERSIGN_MODEL_API === 'responses'
    ? COUNTERSIGN_MODEL_API
    : OPENAI_BASE_URL
      ? 'chat'
      : 'responses'

const real =
  OPENAI_API_KEY || OPENAI_BASE_URL
    ? OpenAIModel.make({
        model: name,
        api,
        // A local server (Ollama) wants no key, but the client insists on one.
        ...(OPENAI_API_KEY ? {} : { apiKey: 'none' }),
      })
    : undefined

/** The real model when one is configured, else the definition's own script. */
export const modelOr = (scripted: Model.Model): Model.Model => real ?? scripted

/** What the demo runs on, as its first line says. */
export const modelDescription =
  real === undefined
    ? 'scripted (set OPENAI_API_KEY, or OPENAI_BASE_URL for an OpenAI-compatible server, to use a real model)'
    : `${name} over the ${api === 'chat' ? 'Chat Completions' : 'Responses'} API at ${OPENAI_BASE_URL || 'OpenAI'}`
