import {
  type Message,
  type RequirementRecord,
  type RunRecord,
  StoreError,
  type JournalBatch,
} from '@countersign/core'
import { type EventDocument, numberedId, schemaVersion } from './collections.js'
import * as Docs from './documents.js'

/**
 * A batch as documents, one per event. The first carries the batch's messages, so a batch that
 * was cut short by a crash holds its messages with its first event or not at all; a stop's
 * document (the last) carries the run's new record and the requirements it raises, so a stop
 * whose `runs` write never happened can still be read.
 */
export const batchDocuments = (
  operation: string,
  { runId, events, transcriptStart, messages, lease }: JournalBatch,
  stop?: { readonly record: RunRecord; readonly requirements: ReadonlyArray<RequirementRecord> },
): Array<EventDocument> =>
  events.map((event, index) => {
    const _id = numberedId(runId, event.seq)
    return {
      _id,
      schemaVersion,
      runId,
      seq: event.seq,
      doc: Docs.events.encode(operation, _id, event),
      ...(index === 0 && messages.length > 0
        ? { transcriptStart, messages: Docs.batchMessages.encode(operation, _id, messages) }
        : {}),
      // A claim's lease, in its first event's document (a stop's batch ends its lease instead).
      ...(stop === undefined && lease !== undefined && lease.claimSeq === event.seq
        ? { leaseExpiresAt: lease.expiresAt }
        : {}),
      ...(stop !== undefined && index === events.length - 1
        ? {
            record: Docs.stopRecord.encode(operation, _id, stop.record),
            requirements: Docs.stopRequirements.encode(operation, _id, stop.requirements),
          }
        : {}),
    }
  })

/**
 * A run's transcript from its batches' documents, in sequence order, after the `start` messages
 * kept elsewhere (by version 1). Batches append without gaps: a gap or an overlap is damage.
 */
export const assembleTranscript = (
  operation: string,
  runId: string,
  start: number,
  stored: ReadonlyArray<Docs.Stored>,
): Array<Message> => {
  const messages: Array<Message> = []
  for (const document of stored) {
    const position = Docs.field(document, 'transcriptStart')
    if (position !== start + messages.length)
      throw new StoreError({
        operation,
        reason:
          `${Docs.describeDocument('events', Docs.field(document, '_id'))} is corrupt or out of place: its messages ` +
          `start at ${JSON.stringify(position)}, the transcript of run ${JSON.stringify(runId)} is at ${start + messages.length}`,
      })
    messages.push(...Docs.batchMessages.decode(operation, document))
  }
  return messages
}
