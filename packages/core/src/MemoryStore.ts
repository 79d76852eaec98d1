import { Effect, Layer, Option, Schema } from 'effect'
import {
  EventSequenceConflict,
  RequirementAlreadyResolved,
  RequirementNotFound,
  RunAlreadyExists,
  RunClaimed,
} from './Errors.js'
import { Message } from './Message.js'
import { RequirementRecord } from './Requirement.js'
import { RunRecord } from './Run.js'
import { RunEvent } from './RunEvent.js'
import { RunStore } from './RunStore.js'

/**
 * Codec of a stored shape: the memory store keeps encoded copies, as a database would, so that
 * nothing a caller holds aliases what is stored, and a schema a real store could not round-trip
 * fails here first.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const codec = <A>(schema: Schema.Schema<A, any>) => ({
  // JSON payloads (Schema.Unknown) pass through encoding by reference: clone to keep copies.
  encode: (value: A): unknown => structuredClone(Schema.encodeSync(schema)(value)),
  decode: (stored: unknown): A => Schema.decodeUnknownSync(schema)(structuredClone(stored)),
})

const runs = codec(RunRecord)
const messages = codec(Message)
const requirements = codec(RequirementRecord)
const events = codec(RunEvent)

/** A store in this process's memory: for tests and throwaway scripts. Share one value between agents to share runs. */
export const make = (): RunStore => {
  const runTable = new Map<string, unknown>()
  const transcripts = new Map<string, Array<unknown>>()
  const requirementTable = new Map<string, unknown>()
  const requirementsByRun = new Map<string, Array<string>>()
  const eventTable = new Map<string, Map<number, unknown>>()
  const claims = new Set<string>()

  const decodeRequirement = (runId: string, requirementId: string) => {
    const stored = requirementTable.get(requirementId)
    if (stored === undefined) return Option.none()
    const requirement = requirements.decode(stored)
    return requirement.runId === runId ? Option.some(requirement) : Option.none()
  }

  return {
    createRun: (run) =>
      Effect.suspend(() => {
        if (runTable.has(run.runId)) return Effect.fail(new RunAlreadyExists({ runId: run.runId }))
        runTable.set(run.runId, runs.encode(run))
        return Effect.void
      }),
    getRun: (runId) =>
      Effect.sync(() => Option.fromNullable(runTable.get(runId)).pipe(Option.map(runs.decode))),
    saveRun: (run) => Effect.sync(() => void runTable.set(run.runId, runs.encode(run))),

    appendTranscript: (runId, start, appended) =>
      Effect.sync(() => {
        const transcript = transcripts.get(runId) ?? []
        appended.forEach((message, offset) => (transcript[start + offset] = messages.encode(message)))
        transcripts.set(runId, transcript)
      }),
    readTranscript: (runId, length) =>
      Effect.sync(() =>
        (transcripts.get(runId) ?? []).slice(0, length).map((message) => messages.decode(message)),
      ),

    insertRequirements: (inserted) =>
      Effect.sync(() => {
        for (const requirement of inserted) {
          requirementTable.set(requirement.id, requirements.encode(requirement))
          const ids = requirementsByRun.get(requirement.runId) ?? []
          if (!ids.includes(requirement.id)) ids.push(requirement.id)
          requirementsByRun.set(requirement.runId, ids)
        }
      }),
    getRequirement: (runId, requirementId) => Effect.sync(() => decodeRequirement(runId, requirementId)),
    listRequirements: (runId) =>
      Effect.sync(() =>
        (requirementsByRun.get(runId) ?? []).map((id) => requirements.decode(requirementTable.get(id))),
      ),
    resolveRequirement: (runId, requirementId, resolution) =>
      Effect.suspend(
        (): Effect.Effect<RequirementRecord, RequirementNotFound | RequirementAlreadyResolved> => {
          const found = decodeRequirement(runId, requirementId)
          if (Option.isNone(found)) return Effect.fail(new RequirementNotFound({ runId, requirementId }))
          if (found.value.status !== 'pending')
            return Effect.fail(new RequirementAlreadyResolved({ requirementId }))
          const resolved = new RequirementRecord({ ...found.value, status: 'resolved', resolution })
          requirementTable.set(requirementId, requirements.encode(resolved))
          return Effect.succeed(resolved)
        },
      ),

    appendEvent: (event) =>
      Effect.suspend(() => {
        const log = eventTable.get(event.runId) ?? new Map<number, unknown>()
        if (log.has(event.seq))
          return Effect.fail(new EventSequenceConflict({ runId: event.runId, seq: event.seq }))
        log.set(event.seq, events.encode(event))
        eventTable.set(event.runId, log)
        return Effect.void
      }),
    readEvents: (runId, afterSeq) =>
      Effect.sync(() =>
        [...(eventTable.get(runId) ?? new Map<number, unknown>()).entries()]
          .filter(([seq]) => seq > afterSeq)
          .sort(([a], [b]) => a - b)
          .map(([, event]) => events.decode(event)),
      ),

    claimRun: (runId, epoch) =>
      Effect.suspend(() => {
        const key = `${runId}\u0000${epoch}`
        if (claims.has(key)) return Effect.fail(new RunClaimed({ runId, epoch }))
        claims.add(key)
        return Effect.void
      }),
  }
}

/** A fresh memory store as a layer. */
export const layer = Layer.sync(RunStore, make)
