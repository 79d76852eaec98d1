import type { Countersign, Principal } from '@countersign/core'
import { tagOf } from '../errors.js'

/**
 * Failures of a continue that mean there is nothing for this server to do: another decider, server
 * or the sweeper took the run up first, or it still waits for another decision.
 */
const nothingToDo = new Set([
  'RunClaimed',
  'RunBusy',
  'RunNotContinuable',
  'RequirementsUnresolved',
  'ApprovalPending',
])

export interface Resumer {
  /**
   * Called after a decision on one of a paused run's requirements: continues the run in the
   * background if that was its last open requirement. The engine checks that none is left open,
   * and its resume claim lets only one of several deciders (or servers) take the run up.
   */
  readonly afterDecision: (runId: string, principal: Principal) => void
  /** Resolves once every continue started so far has ended. */
  readonly settled: () => Promise<void>
}

export const makeResumer = (
  countersign: Countersign,
  onError: (error: unknown, context: { readonly runId: string }) => void,
): Resumer => {
  const running = new Set<Promise<void>>()
  const afterDecision = (runId: string, principal: Principal) => {
    const continued = countersign.continueRun({ runId }, { principal }).then(
      () => undefined,
      (error: unknown) => {
        if (nothingToDo.has(tagOf(error) ?? '')) return
        try {
          onError(error, { runId })
        } catch {
          // A failing logger must not take the server down with an unhandled rejection.
        }
      },
    )
    running.add(continued)
    void continued.finally(() => running.delete(continued))
  }
  const settled = async () => {
    while (running.size > 0) await Promise.all(running)
  }
  return { afterDecision, settled }
}

/** A server that leaves continuing to the caller. */
export const manualResume: Resumer = { afterDecision: () => undefined, settled: async () => undefined }
