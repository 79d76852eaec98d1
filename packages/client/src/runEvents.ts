import type { RunEvent } from './types.js'

export interface RunEventHandlers {
  readonly onEvent: (event: RunEvent) => void
  /** The subscription failed for good (not found, not allowed, …); reconnects are silent. */
  readonly onError?: (error: unknown) => void
  /** The run ended and its last event was delivered. */
  readonly onComplete?: () => void
}
