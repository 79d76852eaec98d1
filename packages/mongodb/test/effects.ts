import { Effect } from 'effect'

export { failureOf } from '@countersign/core/testing'

export const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)
