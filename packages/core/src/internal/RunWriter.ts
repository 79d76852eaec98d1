import { Clock, Effect } from 'effect'
import type { AgentDefinition as Agent } from '../Agent.js'
import type { StoreError, WriteError } from '../Errors.js'
import type { Message } from '../Message.js'
import type { RequirementRecord } from '../Requirement.js'
import { RunRecord } from '../Run.js'
import type { RunEvent, RunEventBody } from '../RunEvent.js'
import type { RunStore } from '../RunStore.js'

/**
 * The holder of a run's current claim, and so its only writer: it numbers the run's events,
 * appends its transcript and commits its record. Everything it knows is also in the store, so a
 * writer can always be rebuilt from there.
 */
export class RunWriter {
  private constructor(
    readonly agent: Agent,
    private record: RunRecord,
    readonly messages: Array<Message>,
    private committed: number,
    private seq: number,
    private readonly store: RunStore,
    private readonly publish: (event: RunEvent) => Effect.Effect<void>,
  ) {}

  static make = (
    agent: Agent,
    record: RunRecord,
    messages: ReadonlyArray<Message>,
    store: RunStore,
    publish: (event: RunEvent) => Effect.Effect<void>,
  ) => new RunWriter(agent, record, [...messages], record.transcriptLength, record.lastSeq, store, publish)

  get run(): RunRecord {
    return this.record
  }

  /** Stores an event, then publishes it. */
  emit = (body: RunEventBody): Effect.Effect<RunEvent, WriteError> =>
    Effect.tap(this.storeEvent(body), (event) => this.publish(event))

  /** Stores an event without publishing it yet: for the events that a commit must precede. */
  private storeEvent = (body: RunEventBody): Effect.Effect<RunEvent, WriteError> =>
    Effect.gen(this, function* () {
      const event = { ...body, seq: this.seq + 1, at: yield* Clock.currentTimeMillis } as RunEvent
      yield* this.store.appendEvent(event)
      this.seq = event.seq
      return event
    })

  append = (message: Message) => {
    this.messages.push(message)
  }

  /** Writes the run record as it stands now: the claim holder's plain write. */
  save = (changes: Partial<Omit<RunRecord, 'runId' | 'schemaVersion'>>): Effect.Effect<void, StoreError> =>
    Effect.gen(this, function* () {
      this.record = new RunRecord({ ...this.record, ...changes, updatedAt: yield* Clock.currentTimeMillis })
      yield* this.store.saveRun(this.record)
    })

  /**
   * Commits a stop (pause or ending): transcript, requirements and the stop event first, then the
   * run record, which is the commit point, and only then publishes the event. A crash before the
   * record is written leaves the previous state, and what was written past it is ignored.
   */
  commit = (
    body: RunEventBody,
    changes: Partial<Omit<RunRecord, 'runId' | 'schemaVersion'>>,
    requirements: ReadonlyArray<RequirementRecord> = [],
  ): Effect.Effect<RunEvent, WriteError> =>
    Effect.uninterruptible(
      Effect.gen(this, function* () {
        yield* this.store.appendTranscript(
          this.record.runId,
          this.committed,
          this.messages.slice(this.committed),
        )
        if (requirements.length > 0) yield* this.store.insertRequirements(requirements)
        const event = yield* this.storeEvent(body)
        yield* this.save({ ...changes, transcriptLength: this.messages.length, lastSeq: this.seq })
        this.committed = this.messages.length
        yield* this.publish(event)
        return event
      }),
    )
}
