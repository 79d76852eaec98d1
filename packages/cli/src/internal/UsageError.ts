/** Arguments the command cannot work with; the message says what is wrong. */
export class UsageError extends Error {
  readonly _tag = 'UsageError'
}
