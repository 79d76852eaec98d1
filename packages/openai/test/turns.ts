/** One model turn taken straight from the model's stream, as chunks or the `ModelError` it failed with. */
import type { Model, ModelError } from '@countersign/core'
import { Chunk, Effect, Either, Stream } from 'effect'

export const takeTurn = (model: Model.Model, request: Model.ModelRequest) =>
  Effect.runPromise(Stream.runCollect(model.stream(request)).pipe(Effect.map(Chunk.toArray), Effect.either))

/** The error a turn failed with; fails the test when it succeeded. */
export const failureOf = async (model: Model.Model, request: Model.ModelRequest): Promise<ModelError> => {
  const result = await takeTurn(model, request)
  if (Either.isRight(result)) throw new Error(`the turn succeeded: ${JSON.stringify(result.right)}`)
  return result.left
}

/** The chunks of a turn; fails the test when it failed. */
export const chunksOf = async (model: Model.Model, request: Model.ModelRequest) => {
  const result = await takeTurn(model, request)
  if (Either.isLeft(result)) throw result.left
  return result.right
}

export const ask = (content: string): Model.ModelRequest => ({
  instructions: undefined,
  messages: [{ _tag: 'User', content }],
  tools: [],
})
