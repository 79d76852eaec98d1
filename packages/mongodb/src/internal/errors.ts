import { StoreError } from '@countersign/core'
import { Effect } from 'effect'
import { MongoServerError } from 'mongodb'

/** A driver or server error as one line: its code name (or name) and message. */
export const reasonOf = (cause: unknown): string => {
  if (!(cause instanceof Error)) return String(cause)
  const label = cause instanceof MongoServerError && cause.codeName ? cause.codeName : cause.name
  return label && label !== 'Error' ? `${label}: ${cause.message}` : cause.message
}

/** The server refused an insert because its key is taken: how every race here is decided. */
export const isDuplicateKey = (cause: unknown): boolean =>
  cause instanceof MongoServerError && cause.code === 11000

/** A failure as the operation's StoreError: one it threw passes through. */
export const storeError = (operation: string, cause: unknown) =>
  cause instanceof StoreError ? cause : new StoreError({ operation, reason: reasonOf(cause) })

/** Runs a database call; a StoreError it throws passes through, any other failure becomes one. */
export const attempt = <A>(operation: string, call: () => Promise<A>): Effect.Effect<A, StoreError> =>
  Effect.tryPromise({ try: call, catch: (cause) => storeError(operation, cause) })

/** Runs an insert whose key decides a race: a duplicate key fails with `taken()`, anything else with StoreError. */
export const insert = <E>(
  operation: string,
  write: () => Promise<unknown>,
  taken: () => E,
): Effect.Effect<void, E | StoreError> =>
  Effect.tryPromise({
    try: async () => void (await write()),
    catch: (cause) => (isDuplicateKey(cause) ? taken() : storeError(operation, cause)),
  })
