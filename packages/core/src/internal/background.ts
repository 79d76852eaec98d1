import { Context, type Effect, type Fiber } from 'effect'

/**
 * Sets an effect going in the engine, off the fiber of the run that asks: what a writer's timer
 * runs when it fires (see `RunWriter.flushWithin`). Its fibers end with the engine.
 */
export class Background extends Context.Tag('@countersign/core/Background')<
  Background,
  (effect: Effect.Effect<void>) => Fiber.RuntimeFiber<void>
>() {}
