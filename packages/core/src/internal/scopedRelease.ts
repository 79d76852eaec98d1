import { Effect, Scope } from 'effect'

// Effect's `acquireRelease` and `addFinalizer` run a release with the FiberRefs its acquirer had,
// which costs two diffs and two patches of every FiberRef at each release. The engine's releases
// read no FiberRef (they clear a timer, abort a request, drop a listener's mailbox), and a run makes
// several a turn, so they go to the scope as they are.

/** Adds the finalizer to the scope; it runs with the FiberRefs of whoever closes the scope. */
export const addFinalizer = (finalizer: Effect.Effect<unknown>): Effect.Effect<void, never, Scope.Scope> =>
  Effect.flatMap(Effect.scope, (scope) => Scope.addFinalizer(scope, finalizer))

/**
 * Acquires without interruption and releases when the scope closes, as `Effect.acquireRelease`,
 * for a release that reads no FiberRef.
 */
export const acquireRelease = <A, E, R>(
  acquire: Effect.Effect<A, E, R>,
  release: (acquired: A) => Effect.Effect<unknown>,
): Effect.Effect<A, E, R | Scope.Scope> =>
  Effect.uninterruptible(Effect.tap(acquire, (acquired) => addFinalizer(release(acquired))))
