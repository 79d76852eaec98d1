import type { Webhook } from 'standardwebhooks'

/** The shortest secret accepted, in bytes: what the Standard Webhooks specification recommends at least. */
export const minSecretBytes = 24

const base64 = /^[A-Za-z0-9+/]+={0,2}$/

/** Why `secret` is no Standard Webhooks secret (`whsec_` and base64 of at least 24 bytes), or undefined. */
export const secretProblem = (secret: string): string | undefined => {
  const encoded = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret
  if (!base64.test(encoded) || encoded.length % 4 !== 0) return 'a secret is "whsec_" followed by base64'
  if (Buffer.from(encoded, 'base64').length < minSecretBytes)
    return `a secret holds at least ${minSecretBytes} bytes`
  return undefined
}

/**
 * The Standard Webhooks headers of one attempt: `webhook-signature` holds a signature by each
 * secret (space-separated, as the specification allows), so that during a rotation a receiver
 * holding either the new secret or the old one verifies it.
 */
export const signedHeaders = (
  signers: ReadonlyArray<Webhook>,
  id: string,
  at: Date,
  body: string,
): Record<string, string> => ({
  'webhook-id': id,
  'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
  'webhook-signature': signers.map((signer) => signer.sign(id, at, body)).join(' '),
})
