import {
  ApprovalRecord,
  Delivery,
  FollowUp,
  Grant,
  Message,
  RequirementRecord,
  Resolution,
  RunEvent,
  RunRecord,
  StoredText,
  StoreError,
} from '@countersign/core'
import { Either, Schema } from 'effect'
import { type CollectionName, collectionNames, numberedId, schemaVersion } from './collections.js'

/** How a document is named in errors: `runs document "run-1"`. */
export const describeDocument = (collection: CollectionName, id: unknown) =>
  `${collectionNames[collection]} document ${JSON.stringify(id) ?? String(id)}`

/** A document as read: any shape, since anything may have written it. */
export type Stored = object

/** A field of a document as read, of whatever type it has. */
export const field = (stored: Stored, name: string): unknown => (stored as Record<string, unknown>)[name]

/**
 * The JSON text of a stored record, written and read through the record's Schema by the rule of
 * its writer (`StoredText.Writer`: the engine's records are checked and written as themselves). A
 * document that does not decode — damaged, written by something else, or by a newer version of
 * this package — is a StoreError naming its collection and `_id`: it fails the one operation that
 * read it, never the process, and never passes as a record.
 *
 * `textField` is where the text lives; `keyOf`, when given, is the `_id` a decoded record must have,
 * so that a document cannot pass for another one; `since` is the first schema version whose
 * documents hold the field in this shape.
 */
const document = <A, I>(
  schema: Schema.Schema<A, I>,
  collection: CollectionName,
  textField: string,
  {
    keyOf,
    since = 1,
    writer,
  }: {
    readonly keyOf?: (value: A) => string
    readonly since?: number
    readonly writer?: StoredText.Writer
  } = {},
) => {
  const text = StoredText.codec(schema, writer)
  return {
    encode: (operation: string, id: string, value: A): string =>
      Either.getOrThrowWith(
        text.encode(value),
        (reason) =>
          new StoreError({
            operation,
            reason: `cannot store ${describeDocument(collection, id)}: ${reason}`,
          }),
      ),
    decode: (operation: string, stored: Stored): A => {
      const corrupt = (why: string) =>
        new StoreError({
          operation,
          reason: `${describeDocument(collection, field(stored, '_id'))} is corrupt: ${why}`,
        })
      const version = field(stored, 'schemaVersion')
      if (typeof version === 'number' && version > schemaVersion)
        throw new StoreError({
          operation,
          reason:
            `${describeDocument(collection, field(stored, '_id'))} has schema version ${version}, newer than this ` +
            `version of @countersign/mongodb knows (${schemaVersion}); upgrade @countersign/mongodb to read it`,
        })
      if (typeof version !== 'number' || !Number.isInteger(version) || version < since)
        throw corrupt(`its schemaVersion is ${JSON.stringify(version)}`)
      const value = Either.getOrThrowWith(text.decode(field(stored, textField)), (why) =>
        corrupt(`its ${textField} ${why}`),
      )
      if (keyOf !== undefined && keyOf(value) !== field(stored, '_id'))
        throw corrupt(`it holds the record of ${JSON.stringify(keyOf(value))}`)
      return value
    },
  }
}

const Messages = Schema.Array(Message)
const Deliveries = Schema.Array(Delivery)
const Requirements = Schema.Array(RequirementRecord)

export const runs = document(RunRecord, 'runs', 'doc', { keyOf: (run) => run.runId, writer: 'engine' })
export const raisedRequirements = document(Requirements, 'runs', 'requirements', {
  since: 2,
  writer: 'engine',
})
export const events = document(RunEvent, 'events', 'doc', {
  keyOf: (event) => numberedId(event.runId, event.seq),
  writer: 'engine',
})
export const batchMessages = document(Messages, 'events', 'messages', { since: 2, writer: 'engine' })
export const stopRecord = document(RunRecord, 'events', 'record', { since: 2, writer: 'engine' })
export const stopRequirements = document(Requirements, 'events', 'requirements', {
  since: 2,
  writer: 'engine',
})
export const resolutions = document(Resolution, 'resolutions', 'doc')
export const decidedRequirement = document(RequirementRecord, 'resolutions', 'requirement', {
  keyOf: (requirement) => requirement.id,
  since: 2,
  writer: 'engine',
})
export const approvals = document(ApprovalRecord, 'approvals', 'doc', {
  keyOf: (approval) => approval.id,
  since: 2,
})
export const grants = document(Grant.Grant, 'grants', 'doc', { keyOf: (grant) => grant.id, since: 2 })
export const revocations = document(Grant.Revocation, 'grantEndings', 'revocation', { since: 2 })
/** The approval a `once` grant's use recorded, kept with the use. */
export const useApprovals = document(ApprovalRecord, 'grantEndings', 'approval', { since: 2 })
export const deliveries = document(Delivery, 'deliveries', 'doc', {
  keyOf: (delivery) => delivery.id,
  since: 2,
})
export const stopDeliveries = document(Deliveries, 'events', 'deliveries', { since: 2 })
export const decisionDeliveries = document(Deliveries, 'resolutions', 'deliveries', { since: 2 })
export const followUps = document(FollowUp, 'followUps', 'doc', { since: 2 })
export const followUpDeliveries = document(Deliveries, 'followUps', 'deliveries', { since: 2 })
/** Version 1 only. */
export const chunks = document(Messages, 'transcript', 'messages')
/** Version 1 only. */
export const requirements = document(RequirementRecord, 'requirements', 'doc', {
  keyOf: (requirement) => requirement.id,
})
