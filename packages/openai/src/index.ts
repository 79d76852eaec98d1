/**
 * @countersign/openai — OpenAI models for Countersign on the official `openai` SDK: the Responses API and
 * Chat Completions, streamed, and OpenAI-compatible servers (Ollama, vLLM, LM Studio, OpenRouter) through
 * `baseURL`.
 */
export * as OpenAIModel from './OpenAIModel.js'
