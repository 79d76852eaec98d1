import { Cause, Effect, Exit, Option } from 'effect'

/** The typed failure of an effect expected to fail; a success or a defect fails the test. */
export const failureOf = async <A, E>(effect: Effect.Effect<A, E>): Promise<E> => {
  const exit = await Effect.runPromiseExit(effect)
  if (Exit.isSuccess(exit)) throw new Error('expected a typed failure, but the effect succeeded')
  return Option.getOrThrowWith(
    Cause.failureOption(exit.cause),
    () => new Error(`expected a typed failure, got: ${Cause.pretty(exit.cause)}`),
  )
}
