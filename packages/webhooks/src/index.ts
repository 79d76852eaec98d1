/**
 * @countersign/webhooks — a Countersign channel that POSTs notifications to an HTTP endpoint,
 * signed per the Standard Webhooks specification, and `verify` for the endpoints that receive them.
 */
export * as WebhookChannel from './WebhookChannel.js'
export { InvalidWebhook } from './WebhookChannel.js'
