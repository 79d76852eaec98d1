import { Effect, Layer, Option, Schema } from 'effect'
import {
  EventSequenceConflict,
  RequirementAlreadyResolved,
  RequirementNotFound,
  RunAlreadyExists,
} from './Errors.js'
import { Message } from './Message.js'
import { RequirementRecord } from './Requirement.js'
import { RunRecord } from './Run.js'
import { RunEvent } from './RunEvent.js'
import { type JournalBatch, RunStore } from './RunStore.js'

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

  const decodeRequirement = (runId: string, requirementId: string) => {
    const stored = requirementTable.get(requirementId)
    if (stored === undefined) return Option.none()
    const requirement = requirements.decode(stored)
    return requirement.runId === runId ? Option.some(requirement) : Option.none()
  }

  /** Checks a batch can be appended, and returns how to append it: a commit must check before it writes anything. */
  const prepare = (batch: JournalBatch) => {
    const log = eventTable.get(batch.runId) ?? new Map<number, unknown>()
    const first = batch.events[0]
    if (first !== undefined && log.has(first.seq))
      return Effect.fail(new EventSequenceConflict({ runId: batch.runId, seq: first.seq }))
    return Effect.succeed(() => {
      for (const event of batch.events) log.set(event.seq, events.encode(event))
      eventTable.set(batch.runId, log)
      const transcript = transcripts.get(batch.runId) ?? []
      batch.messages.forEach(
        (message, offset) => (transcript[batch.transcriptStart + offset] = messages.encode(message)),
      )
      transcripts.set(batch.runId, transcript)
    })
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

    appendBatch: (batch) => Effect.suspend(() => Effect.map(prepare(batch), (append) => append())),
    commit: (batch, run, raised) =>
      Effect.suspend(() =>
        Effect.map(prepare(batch), (append) => {
          append()
          for (const requirement of raised) {
            requirementTable.set(requirement.id, requirements.encode(requirement))
            const ids = requirementsByRun.get(requirement.runId) ?? []
            if (!ids.includes(requirement.id)) ids.push(requirement.id)
            requirementsByRun.set(requirement.runId, ids)
          }
          runTable.set(run.runId, runs.encode(run))
        }),
      ),

    readEvents: (runId, afterSeq) =>
      Effect.sync(() =>
        [...(eventTable.get(runId) ?? new Map<number, unknown>()).entries()]
          .filter(([seq]) => seq > afterSeq)
          .sort(([a], [b]) => a - b)
          .map(([, event]) => events.decode(event)),
      ),
    readTranscript: (runId) =>
      Effect.sync(() => (transcripts.get(runId) ?? []).map((message) => messages.decode(message))),

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
  }
}

/** A fresh memory store as a layer. */
export const layer = Layer.sync(RunStore, make)
