import { DeliveryFailed } from '@countersign/core'

const fieldsOf = (error: unknown) =>
  typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : {}

/**
 * A failed send as a delivery failure: an SMTP server's 4xx reply (try later) or a connection that
 * failed is retryable; a 5xx reply (no such mailbox, refused) is not. The reason names the reply
 * code or the error's code, not the server's words (which may name hosts and paths).
 */
export const deliveryFailure = (error: unknown): DeliveryFailed => {
  const { responseCode, code } = fieldsOf(error)
  if (typeof responseCode === 'number')
    return new DeliveryFailed({ reason: `SMTP ${responseCode}`, retryable: responseCode < 500 })
  return new DeliveryFailed({
    reason: typeof code === 'string' ? `sending failed (${code})` : 'sending failed',
    retryable: true,
  })
}
