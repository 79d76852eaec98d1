/** The message of whatever a user's code threw: an Error's message, or the thrown value as text. */
export const describe = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))
