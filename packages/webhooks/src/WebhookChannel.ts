import { randomBytes } from 'node:crypto'
import {
  type Channel,
  DefinitionError,
  DeliveryFailed,
  Notification,
  type DeliveryReceipt,
} from '@countersign/core'
import { Duration, Effect, Schema } from 'effect'
import { Webhook, WebhookVerificationError } from 'standardwebhooks'
import { refusal } from './internal/response.js'
import { secretProblem, signedHeaders } from './internal/signing.js'

export interface Options {
  /** The channel's name, as routes name it. */
  readonly name: string
  /** The endpoint (http or https) that receives the notifications, POSTed as JSON. */
  readonly url: string
  /**
   * The endpoint's secret (`whsec_…`, see `generateSecret`), or several while rotating: every
   * request is signed with each, the new one first, so receivers verify with either. Drop the old
   * secret once every receiver has the new one.
   */
  readonly secret: string | ReadonlyArray<string>
  /** How long an attempt waits for the endpoint's answer (default 10 seconds): then it is retried. */
  readonly timeout?: Duration.DurationInput
  /** Headers sent with every request besides the signature's (an API key for a gateway, say). */
  readonly headers?: Readonly<Record<string, string>>
}

/** A new secret for an endpoint: `whsec_` and 32 random bytes in base64. */
export const generateSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`

const userAgent = 'Countersign-Webhooks/1'

const check = (options: Options) => {
  const fail = (reason: string) => {
    throw new DefinitionError({ subject: `webhook channel "${options.name}"`, reason })
  }
  if (!URL.canParse(options.url) || !['http:', 'https:'].includes(new URL(options.url).protocol))
    fail('url is the http(s) address of the endpoint')
  const secrets = typeof options.secret === 'string' ? [options.secret] : [...options.secret]
  if (secrets.length === 0) fail('it needs a secret')
  for (const secret of secrets) {
    const problem = secretProblem(secret)
    if (problem !== undefined) fail(problem)
  }
  const timeout = Duration.decodeUnknown(options.timeout ?? '10 seconds')
  if (timeout._tag === 'None' || !Duration.greaterThan(timeout.value, Duration.zero))
    fail('timeout is a positive duration')
  return { secrets, timeoutMs: timeout._tag === 'Some' ? Duration.toMillis(timeout.value) : 0 }
}

/**
 * A channel that POSTs each notification as JSON to an endpoint, signed per the Standard
 * Webhooks specification (`webhook-id`: the notification's id, the same on every attempt;
 * `webhook-timestamp`; `webhook-signature`). A 2xx is delivered; a timeout, a network failure,
 * 408, 429 or 5xx is retried (after the `Retry-After` the endpoint asked for, if any); any other
 * answer is a failure that is not retried. Throws DefinitionError for options that cannot work.
 */
export const make = (options: Options): Channel.Channel => {
  const { secrets, timeoutMs } = check(options)
  const signers = secrets.map((secret) => new Webhook(secret))
  return {
    name: options.name,
    deliver: (notification) =>
      Effect.tryPromise({
        try: async (signal): Promise<DeliveryReceipt> => {
          const body = JSON.stringify(notification)
          const response = await fetch(options.url, {
            method: 'POST',
            redirect: 'manual',
            signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
            headers: {
              ...options.headers,
              'content-type': 'application/json',
              'user-agent': userAgent,
              ...signedHeaders(signers, notification.id, new Date(), body),
            },
            body,
          })
          // The answer's body is not read: an endpoint cannot make the sender hold a body of any size.
          await response.body?.cancel().catch(() => undefined)
          if (response.status < 200 || response.status > 299)
            throw refusal(response.status, response.headers.get('retry-after'), Date.now())
          return { status: response.status }
        },
        catch: (cause) =>
          cause instanceof DeliveryFailed
            ? cause
            : new DeliveryFailed({
                reason:
                  cause instanceof Error && cause.name === 'TimeoutError'
                    ? `the endpoint did not answer within ${timeoutMs} ms`
                    : `the endpoint could not be reached (${cause instanceof Error ? cause.message : String(cause)})`,
                retryable: true,
              }),
      }),
  }
}

/** A webhook request that does not verify: its signature, timestamp or payload is not what was sent. */
export class InvalidWebhook extends Schema.TaggedError<InvalidWebhook>()('InvalidWebhook', {
  reason: Schema.String,
}) {
  override get message() {
    return `Invalid webhook: ${this.reason}`
  }
}

const decodeNotification = Schema.decodeUnknownEither(Notification)

/**
 * For receivers: checks a request's signature (against any of `secret`'s secrets) and timestamp
 * (within five minutes) over the raw body, and answers the notification it carries. Throws
 * InvalidWebhook otherwise; answer such a request with a 4xx and ignore it. A notification may
 * arrive more than once: its `id` (the `webhook-id` header) tells repeats apart.
 */
export const verify = (
  body: string,
  headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>,
  secret: string | ReadonlyArray<string>,
): Notification => {
  const plain = Object.fromEntries(
    Object.entries(headers).flatMap(([key, value]) =>
      typeof value === 'string' ? [[key.toLowerCase(), value]] : [],
    ),
  )
  const secrets = typeof secret === 'string' ? [secret] : secret
  let payload: unknown = undefined
  let failure = 'no secret given'
  for (const candidate of secrets) {
    try {
      payload = new Webhook(candidate).verify(body, plain)
      failure = ''
      break
    } catch (error) {
      failure =
        error instanceof WebhookVerificationError ? error.message : 'the secret or the payload is malformed'
    }
  }
  if (failure !== '') throw new InvalidWebhook({ reason: failure })
  const notification = decodeNotification(payload)
  if (notification._tag === 'Left')
    throw new InvalidWebhook({ reason: 'the payload is not a Countersign notification' })
  if (notification.right.id !== plain['webhook-id'])
    throw new InvalidWebhook({ reason: 'the payload is not the one the webhook-id header names' })
  return notification.right
}
