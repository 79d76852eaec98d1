import { Context, Effect, Layer } from 'effect'

/** Makes the ids of runs and requirements. Swap it in tests for predictable ids. */
export interface IdGenerator {
  readonly next: Effect.Effect<string>
}

export const IdGenerator = Context.GenericTag<IdGenerator>('@countersign/core/IdGenerator')

export const layer = Layer.succeed(IdGenerator, { next: Effect.sync(() => crypto.randomUUID()) })
