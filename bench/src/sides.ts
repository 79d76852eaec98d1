import { createClient, type RunEvent } from '@countersign/client'
import { type Countersign, Resolutions } from '@countersign/core'
import { WebSocket } from 'ws'
import { agentId, expectStatus, input, type Paused, pausedOnOne } from './confirmOnce.js'
import { benchToken } from './internal/credentials.js'

/**
 * One way to drive runs of the benchmark's agent: through the server (a client over HTTP and
 * WebSocket), or in-process (a `Countersign` in this process). The measures take either.
 */
export interface Side {
  /** Starts a run; resolves once it has paused on its call. */
  readonly start: () => Promise<Paused>
  /** Confirms the call; resolves once the run has completed. */
  readonly complete: (paused: Paused) => Promise<void>
  /**
   * Confirms the call with an observer of the run listening, and times it: answers the
   * milliseconds from the confirmation being sent to `RunContinued` reaching the observer, once
   * the run has completed.
   */
  readonly timeContinued: (paused: Paused) => Promise<number>
  /** Lets go of what the side holds (a client's WebSocket). */
  readonly close: () => Promise<void>
}

const confirmations = (paused: Paused) => paused.requirementIds.map(Resolutions.confirm)

/** A promise with its settling functions at hand (Node 20 has no `Promise.withResolvers`). */
const deferred = <A>() => {
  let resolve!: (value: A) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<A>((res, rej) => {
    resolve = res
    reject = rej
  })
  // Failed before anyone waits for it (the subscription broke early) is not an unhandled rejection.
  promise.catch(() => undefined)
  return { promise, resolve, reject }
}

/** A side through the server, which can also time a bare round trip to it. */
export interface ServerSide extends Side {
  /** The milliseconds of one call that does no engine work (`definitions.list`), there and back. */
  readonly roundTrip: () => Promise<number>
}

/**
 * A client of the server at `url`, with a WebSocket of its own. The observer is a `runEvents`
 * subscription: it replays the run's stored events, then follows live; it is known to be live
 * once the stored `RunPaused` has arrived, and the clock starts only then.
 */
export const overServer = (url: string): ServerSide => {
  const client = createClient({ url, token: benchToken, WebSocket })
  const continueRun = async (paused: Paused) => {
    const run = await client.runs.continue(paused.runId, confirmations(paused))
    expectStatus(run, 'completed')
  }
  return {
    start: async () => {
      const run = await client.runs.start(agentId, input)
      return pausedOnOne({ ...run, requirementIds: run.activeRequirementIds })
    },
    complete: continueRun,
    timeContinued: async (paused) => {
      const live = deferred<void>()
      const continued = deferred<number>()
      const ended = deferred<void>()
      // Settling one already settled does nothing: whatever happens first decides.
      const fail = (error: unknown) => [live, continued, ended].forEach(({ reject }) => reject(error))
      const subscription = client.runEvents(paused.runId, {
        onEvent: (event: RunEvent) => {
          if (event._tag === 'RunPaused') live.resolve()
          if (event._tag === 'RunContinued') continued.resolve(performance.now())
        },
        onError: fail,
        onComplete: () => {
          ended.resolve()
          fail(new Error(`the events of run ${paused.runId} ended without RunPaused and RunContinued`))
        },
      })
      try {
        await live.promise
        const sent = performance.now()
        const continuing = continueRun(paused)
        continuing.catch(fail)
        const arrived = await continued.promise
        await continuing
        await ended.promise
        return arrived - sent
      } finally {
        subscription.unsubscribe()
      }
    },
    roundTrip: async () => {
      const sent = performance.now()
      await client.definitions.list()
      return performance.now() - sent
    },
    close: () => client.close(),
  }
}

/**
 * The engine in this process, the server's peer without the network: the observer is the
 * continuation's own event stream (`RequirementResolved`, then `RunContinued`, then the rest).
 */
export const inProcess = (countersign: Countersign): Side => ({
  start: async () => {
    const run = await countersign.run(agentId, input)
    return pausedOnOne({ ...run, requirementIds: run.activeRequirements.map(({ id }) => id) })
  },
  complete: async (paused) => {
    expectStatus(
      await countersign.continueRun({ runId: paused.runId, resolutions: confirmations(paused) }),
      'completed',
    )
  },
  timeContinued: async (paused) => {
    const sent = performance.now()
    const events: Array<string> = []
    let arrived: number | undefined
    for await (const event of countersign.continueRunStream({
      runId: paused.runId,
      resolutions: confirmations(paused),
    })) {
      if (event._tag === 'RunContinued') arrived ??= performance.now()
      events.push(event._tag)
    }
    if (arrived === undefined || events.at(-1) !== 'RunCompleted')
      throw new Error(`run ${paused.runId} continued with ${events.join(', ')}`)
    return arrived - sent
  },
  close: () => Promise.resolve(),
})
