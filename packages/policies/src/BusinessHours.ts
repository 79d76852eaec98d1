import { Policy } from '@countersign/core'
import { approvalNeed } from './internal/approval.js'
import { inScope, invalid, nameList, policyName } from './internal/options.js'

export interface BusinessHoursOptions {
  /** The IANA time zone the hours are kept in: `'Europe/Berlin'`, `'America/New_York'`. Default `'UTC'`. */
  readonly timeZone?: string
  /** The working days: 1 Monday … 7 Sunday (0 is Sunday too). Default Monday to Friday, `[1, 2, 3, 4, 5]`. */
  readonly days?: ReadonlyArray<number>
  /** When the working day starts, `'HH:MM'`, included. Default `'09:00'`. */
  readonly from?: string
  /** When it ends, `'HH:MM'` (up to `'24:00'`), excluded. Default `'17:00'`. */
  readonly to?: string
  /** The clock: when it is now. Default `() => new Date()`; pass your own to test, or to use a server's time. */
  readonly now?: () => Date
  /** What a call outside the hours needs: an approver's sign-off (the only answer for now). */
  readonly outside?: 'approval'
  /** The tools whose calls it judges. Default: every tool. */
  readonly tools?: ReadonlyArray<string>
  /** What the approver is shown; by default it names the tool and the hours. */
  readonly message?: string
  /** Default `businessHours(<days> <from>-<to> <timeZone>)`. */
  readonly name?: string
}

const subject = 'businessHours'
const weekdays = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const

/** Minutes since midnight of an `'HH:MM'` time; `'24:00'` is the end of the day. */
const minutesOf = (option: string, value: unknown): number => {
  const match = typeof value === 'string' ? /^(\d{2}):(\d{2})$/.exec(value) : null
  const hours = Number(match?.[1])
  const minutes = Number(match?.[2])
  if (match === null || minutes > 59 || hours * 60 + minutes > 24 * 60)
    throw invalid(subject, `${option} must be a time 'HH:MM' between '00:00' and '24:00'`)
  return hours * 60 + minutes
}

/**
 * Calls made while nobody is at their desk need an approval: outside the working hours of a time
 * zone, a call waits for an approver instead of running unwatched at 3 a.m. Inside them it runs.
 *
 * The window is `[from, to)` on each working day, read in `timeZone` with `Intl.DateTimeFormat`
 * (so daylight saving time is the zone's own). A clock that throws or gives an invalid date
 * blocks the call: policies fail closed.
 */
export const businessHours = (options: BusinessHoursOptions = {}): Policy.Policy => {
  const timeZone = options.timeZone ?? 'UTC'
  let local: Intl.DateTimeFormat
  try {
    if (typeof timeZone !== 'string') throw new TypeError()
    local = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
  } catch {
    throw invalid(subject, `timeZone must be an IANA time zone like 'Europe/Berlin', not ${String(timeZone)}`)
  }
  const days = options.days ?? [1, 2, 3, 4, 5]
  if (!Array.isArray(days) || days.some((day) => !Number.isInteger(day) || day < 0 || day > 7))
    throw invalid(subject, 'days must be a list of weekdays, 1 (Monday) to 7 (Sunday)')
  const working = new Set(days.map((day) => day % 7)) // as Date.getDay counts: 0 is Sunday
  const from = minutesOf('from', options.from ?? '09:00')
  const to = minutesOf('to', options.to ?? '17:00')
  if (from >= to) throw invalid(subject, 'from must be before to (a window does not cross midnight)')
  const now = options.now ?? (() => new Date())
  if (typeof now !== 'function') throw invalid(subject, 'now must be a function answering a Date')
  if ((options.outside ?? 'approval') !== 'approval')
    throw invalid(subject, `outside is 'approval', not ${JSON.stringify(options.outside)}`)
  const tools = nameList(subject, 'tools', options.tools)
  const hours = `${[...working]
    .sort((a, b) => ((a + 6) % 7) - ((b + 6) % 7)) // Monday first
    .map((day) => weekdays[day])
    .join(',')} ${options.from ?? '09:00'}-${options.to ?? '17:00'} ${timeZone}`

  /** Whether an instant falls in the working hours. */
  const isWorkingTime = (instant: Date) => {
    const parts = Object.fromEntries(local.formatToParts(instant).map(({ type, value }) => [type, value]))
    const day = weekdays.indexOf(parts.weekday as (typeof weekdays)[number])
    const minutes = Number(parts.hour) * 60 + Number(parts.minute)
    if (day < 0 || !Number.isInteger(minutes)) throw new Error(`could not read the time in ${timeZone}`)
    return working.has(day) && minutes >= from && minutes < to
  }

  return Policy.make({
    name: policyName(subject, options.name, `businessHours(${hours})`),
    evaluate: ({ call }) => {
      if (!inScope(tools, call.name)) return []
      const instant = now()
      if (!(instant instanceof Date) || Number.isNaN(instant.getTime()))
        throw new Error(`the clock answered ${String(instant)}, not a valid Date`)
      if (isWorkingTime(instant)) return []
      return [
        approvalNeed(
          options.message ?? `A call to ${call.name} outside business hours (${hours}) needs an approval.`,
        ),
      ]
    },
  })
}
