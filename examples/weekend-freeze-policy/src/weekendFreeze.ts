import { Policy, RequiredApproval } from '@countersign/core'

export interface WeekendFreezeOptions {
  /** The tools frozen at the weekend. Default `['deploy']`. */
  readonly tools?: ReadonlyArray<string>
  /** The IANA time zone whose Saturday and Sunday count. Default `'UTC'`. */
  readonly timeZone?: string
  /** The clock. Default `() => new Date()`; tests pass their own. */
  readonly now?: () => Date
}

/**
 * No deploys at the weekend without an approval: on Saturday and Sunday (in `timeZone`), a call
 * to a frozen tool waits for an approver's sign-off; on weekdays it runs at once.
 *
 * It only has an `evaluate` part: who may approve, and how long the approval may wait, are left to
 * other policies. If the clock throws or gives an invalid date, `format` throws and the call is
 * blocked: policies fail closed.
 */
export const weekendFreeze = ({
  tools = ['deploy'],
  timeZone = 'UTC',
  now = () => new Date(),
}: WeekendFreezeOptions = {}): Policy.Policy => {
  const weekday = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'long' }) // throws on an unknown zone
  return Policy.make({
    name: 'weekend-freeze',
    evaluate: ({ call }) => {
      if (!tools.includes(call.name)) return []
      const today = weekday.format(now())
      if (today !== 'Saturday' && today !== 'Sunday') return []
      return [
        RequiredApproval.need({ message: `It is ${today} in ${timeZone}: ${call.name} needs an approval.` }),
      ]
    },
  })
}
