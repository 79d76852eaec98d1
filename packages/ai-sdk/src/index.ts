/**
 * @countersign/ai-sdk — any Vercel AI SDK provider model (Anthropic, Google, Mistral, Bedrock,
 * Ollama, OpenAI, …) as a Countersign model.
 */
export * as AiSdkModel from './AiSdkModel.js'
