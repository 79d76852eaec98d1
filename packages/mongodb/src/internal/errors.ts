import { StoreError } from '@countersign/core'
import { Effect } from 'effect'
import { MongoBulkWriteError, MongoServerError } from 'mongodb'

/** A driver or server error as one line: its code name (or name) and message. */
export const reasonOf = (cause: unknown): string => {
  if (!(cause instanceof Error)) return String(cause)
  const label = cause instanceof MongoServerError && cause.codeName ? cause.codeName : cause.name
  return label && label !== 'Error' ? `${label}: ${cause.message}` : cause.message
}

/** The server refused an insert because its key is taken: how every race here is decided. */
export const isDuplicateKey = (cause: unknown): boolean =>
  cause instanceof MongoServerError && cause.code === 11000

/**
 * Which documents of an unordered insert of `count` the server refused because their `_id` is
 * taken (the others are in). A failure of any other kind is thrown on.
 */
export const refusedAsTaken = (cause: unknown, count: number): ReadonlySet<number> => {
  if (cause instanceof MongoBulkWriteError) {
    const errors = [cause.writeErrors].flat()
    if (errors.every(({ code }) => code === 11000)) return new Set(errors.map(({ index }) => index))
  } else if (count === 1 && isDuplicateKey(cause)) return new Set([0])
  throw cause
}

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
