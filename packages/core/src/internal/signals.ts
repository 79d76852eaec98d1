import { type Cause, Effect, Mailbox, type Scope } from 'effect'
import type { RunFailure } from '../Errors.js'
import type { RunEvent } from '../RunEvent.js'
import { acquireRelease } from './scopedRelease.js'

/** What flows to a run's listeners in one engine: its stored events, or word that its writer died without storing an ending. */
export type Signal =
  RunEvent | { readonly _tag: 'WriterDied'; readonly runId: string; readonly cause: Cause.Cause<RunFailure> }

/** How a writer tells a run's listeners what it stored. */
export interface Announcer {
  readonly publish: (signal: Signal) => Effect.Effect<void>
  /** Publishes a stored batch's events, in order, in one step. */
  readonly publishAll: (events: ReadonlyArray<RunEvent>) => Effect.Effect<void>
  /**
   * Waits while the run's listeners deal with what they were told. A writer that goes on at once
   * keeps the event loop to itself until its next stop, and a listener that passes events on (a
   * server sending them on a socket) would send them only then.
   */
  readonly letListenersHear: (runId: string) => Effect.Effect<void>
}

/** The rest of this turn of the event loop: its promise callbacks and the I/O already due. */
const nextTurn: Effect.Effect<void> = Effect.async<void>((resume) => {
  // Browsers have no setImmediate; there a timer is the next best turn.
  if (typeof setImmediate !== 'function') {
    const timer = setTimeout(() => resume(Effect.void), 0)
    return Effect.sync(() => clearTimeout(timer))
  }
  const immediate = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(immediate))
})

/**
 * The signals of an engine's runs, each run's to its own listeners: what one run publishes costs
 * nothing to those following others, however many runs are going at once.
 */
export class RunSignals {
  /** Each run's listeners: what they are told, each by its mailbox (which may take more than signals). */
  private readonly listeners = new Map<string, Set<Pick<Mailbox.Mailbox<Signal>, 'unsafeOffer'>>>()

  /**
   * The run's signals from now on, kept until taken, for as long as the scope lasts. The mailbox
   * also takes what the listener adds of its own (`Own`: a follower's poll ticks), so that one
   * wait hears both. A mailbox, not a Queue: it has one taker, and costs a listener less.
   */
  listen = <Own = never>(runId: string): Effect.Effect<Mailbox.Mailbox<Signal | Own>, never, Scope.Scope> =>
    acquireRelease(
      Effect.tap(Mailbox.make<Signal | Own>(), (mailbox) =>
        Effect.sync(() => {
          const listening = this.listeners.get(runId)
          if (listening === undefined) this.listeners.set(runId, new Set([mailbox]))
          else listening.add(mailbox)
        }),
      ),
      (mailbox) =>
        Effect.zipRight(
          Effect.sync(() => {
            const listening = this.listeners.get(runId)
            listening?.delete(mailbox)
            if (listening?.size === 0) this.listeners.delete(runId)
          }),
          mailbox.shutdown,
        ),
    )

  publish = (signal: Signal): Effect.Effect<void> => Effect.sync(() => this.unsafePublish(signal))

  unsafePublish = (signal: Signal): void => {
    for (const mailbox of this.listeners.get(signal.runId) ?? []) mailbox.unsafeOffer(signal)
  }

  letListenersHear = (runId: string): Effect.Effect<void> =>
    Effect.suspend(() => (this.listeners.has(runId) ? nextTurn : Effect.void))
}
