import { DefinitionError } from '@countersign/core'
import { Duration } from 'effect'

/*
 * Options are checked when a policy is made, not when it runs: a misspelt option should stop the
 * agent being defined, not surface as a blocked call hours later. Callers may be plain
 * JavaScript, so nothing here trusts the TypeScript types.
 */

export const invalid = (subject: string, reason: string) => new DefinitionError({ subject, reason })

/** A list of names (tools, kinds, roles) as given, or `undefined` when it was left out. */
export const nameList = (
  subject: string,
  option: string,
  value: unknown,
  { allowEmpty = false }: { readonly allowEmpty?: boolean } = {},
): ReadonlyArray<string> | undefined => {
  if (value === undefined) return undefined
  if (!Array.isArray(value) || value.some((name) => typeof name !== 'string' || name === ''))
    throw invalid(subject, `${option} must be a list of non-empty strings`)
  if (!allowEmpty && value.length === 0)
    throw invalid(subject, `${option} is empty, so it would match nothing; leave it out to match everything`)
  return [...(value as ReadonlyArray<string>)]
}

/** Whether a name is in scope: every name when no list was given. */
export const inScope = (names: ReadonlyArray<string> | undefined, name: string) =>
  names === undefined || names.includes(name)

/** A policy's name: the one given, or one that says what it does. */
export const policyName = (subject: string, given: unknown, fallback: string): string => {
  if (given === undefined) return fallback
  if (typeof given !== 'string' || given.trim() === '')
    throw invalid(subject, 'name must be a non-empty string')
  return given
}

/** A positive duration, as `Duration` understands it (`'24 hours'`, `Duration.minutes(5)`, milliseconds). */
export const positiveDuration = (subject: string, option: string, value: unknown): Duration.Duration => {
  const decoded = Duration.decodeUnknown(value)
  if (
    decoded._tag === 'None' ||
    !Duration.isFinite(decoded.value) ||
    !Duration.greaterThan(decoded.value, Duration.zero)
  )
    throw invalid(subject, `${option} must be a positive, finite duration, like '24 hours'`)
  return decoded.value
}
