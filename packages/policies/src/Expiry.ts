import { type OnExpire, Policy } from '@countersign/core'
import { Duration } from 'effect'
import { inScope, invalid, nameList, policyName, positiveDuration } from './internal/options.js'

export interface ExpiryOptions {
  /** How long a requirement may wait: `'24 hours'`, `Duration.minutes(30)`, or milliseconds. */
  readonly after: Duration.DurationInput
  /** Once it has waited that long: reject the call and let the run go on (default), or cancel the run. */
  readonly onExpire?: OnExpire
  /** The requirement kinds it sets a deadline on. Default: every kind. */
  readonly kinds?: ReadonlyArray<string>
  /** The tools whose calls it judges. Default: every tool. */
  readonly tools?: ReadonlyArray<string>
  /** Default `expiry(<after>, <onExpire>)`. */
  readonly name?: string
}

const subject = 'expiry'

/**
 * Nothing waits for a person forever: requirements raised on calls get a deadline, after which
 * the sweeper (`RunEngine.sweep`) closes them as expired and either rejects the call — the
 * model is told nobody decided in time and the run goes on — or cancels the run.
 *
 * A deadline only ever shortens the wait: when the tool or another policy sets one too, the
 * earliest wins.
 */
export const expiry = (options: ExpiryOptions): Policy.Policy => {
  const after = positiveDuration(subject, 'after', options.after)
  const onExpire = options.onExpire ?? 'reject'
  if (onExpire !== 'reject' && onExpire !== 'cancel')
    throw invalid(subject, `onExpire is 'reject' or 'cancel', not ${JSON.stringify(onExpire)}`)
  const kinds = nameList(subject, 'kinds', options.kinds)
  const tools = nameList(subject, 'tools', options.tools)
  const deadline = { after, onExpire }

  return Policy.make({
    name: policyName(subject, options.name, `expiry(${Duration.format(after)}, ${onExpire})`),
    expiry: ({ call }, kind) => (inScope(tools, call.name) && inScope(kinds, kind) ? deadline : undefined),
  })
}
