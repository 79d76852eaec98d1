import { TRPCClientError } from '@trpc/client'
import type { AppRouter, ErrorData } from '@countersign/server'

/**
 * The server's typed error behind a failure: its `_tag` (a core error such as `RunNotFound`, or
 * the server's `Unauthenticated`, `RoleRequired`, `PayloadTooLarge`, …), message and fields.
 * Undefined when the failure carries none (a network error, an unexpected server failure).
 */
export const errorOf = (error: unknown): ErrorData | undefined =>
  error instanceof TRPCClientError ? (error as TRPCClientError<AppRouter>).data?.error : undefined

export { TRPCClientError }
