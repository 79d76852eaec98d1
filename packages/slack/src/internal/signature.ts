import { createHmac, timingSafeEqual } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { SlackRequestRefused } from '../SlackError.js'

const header = (value: string | Array<string> | undefined) =>
  typeof value === 'string' && value !== '' ? value : undefined

/**
 * Checks Slack's request signing: `X-Slack-Signature` must be `v0=` and the hex HMAC-SHA256 of
 * `v0:{X-Slack-Request-Timestamp}:{raw body}` with the signing secret, and the timestamp within
 * `toleranceSeconds` of now (either way: a captured request replayed later is refused). Throws
 * SlackRequestRefused; the comparison takes the same time whatever the signature.
 */
export const verifySignature = (
  secret: string,
  headers: IncomingHttpHeaders,
  body: string,
  nowSeconds: number,
  toleranceSeconds: number,
): void => {
  const signature = header(headers['x-slack-signature'])
  const timestamp = header(headers['x-slack-request-timestamp'])
  if (signature === undefined) throw new SlackRequestRefused({ reason: 'signature-missing' })
  if (timestamp === undefined) throw new SlackRequestRefused({ reason: 'timestamp-missing' })
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > toleranceSeconds)
    throw new SlackRequestRefused({ reason: 'timestamp-stale' })
  const expected = Buffer.from(
    `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`,
  )
  const given = Buffer.from(signature)
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw new SlackRequestRefused({ reason: 'signature-mismatch' })
}
