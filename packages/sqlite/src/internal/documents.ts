import {
  ApprovalChange,
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
import { Either, ParseResult, Schema } from 'effect'
import type { ChangeRow } from './statements.js'

/**
 * How rows are named in errors: `"run-1"`, `("run-1", 3)`. Spelled out only when an error says it:
 * every row written or read names itself, and almost none fails.
 */
class RowKey {
  constructor(private readonly parts: ReadonlyArray<string | number>) {}
  toString() {
    const { parts } = this
    return parts.length === 1
      ? JSON.stringify(parts[0])
      : `(${parts.map((part) => JSON.stringify(part)).join(', ')})`
  }
}

export const key = (...parts: ReadonlyArray<string | number>): RowKey => new RowKey(parts)

/**
 * The JSON text of a stored record, written and read through the record's Schema, by the rule of
 * its writer (`StoredText.Writer`: the engine's records are checked and written as themselves). A
 * row that does not decode is a StoreError naming its table and key: a corrupt or foreign row
 * must fail the one operation that read it, not crash the process or pass as a record.
 */
const document = <A, I>(schema: Schema.Schema<A, I>, table: string, writer?: StoredText.Writer) => {
  const text = StoredText.codec(schema, writer)
  return {
    encode: (operation: string, key: RowKey, value: A): string =>
      Either.getOrThrowWith(
        text.encode(value),
        (reason) =>
          new StoreError({ operation, reason: `cannot store ${table} row ${String(key)}: ${reason}` }),
      ),
    decode: (operation: string, key: RowKey, doc: unknown): A =>
      Either.getOrThrowWith(
        text.decode(doc),
        (why) =>
          new StoreError({
            operation,
            reason: `${table} row ${String(key)} is corrupt: its document ${why}`,
          }),
      ),
  }
}

export const runs = document(RunRecord, 'runs', 'engine')
export const messages = document(Message, 'transcript', 'engine')
export const requirements = document(RequirementRecord, 'requirements', 'engine')
export const resolutions = document(Resolution, 'requirements')
export const events = document(RunEvent, 'events', 'engine')
export const approvals = document(ApprovalRecord, 'approvals')
export const grants = document(Grant.Grant, 'grants')
export const deliveries = document(Delivery, 'deliveries')
export const followUps = document(FollowUp, 'follow_ups')

const decodeChange = Schema.decodeUnknownEither(ApprovalChange)

/** A row of the approval queue's journal (its columns are the change's fields), checked like a document. */
export const change = (operation: string, row: ChangeRow): ApprovalChange =>
  Either.getOrThrowWith(
    decodeChange(row),
    (error) =>
      new StoreError({
        operation,
        reason: `approval_changes row ${String(key(row.seq))} is corrupt: ${ParseResult.TreeFormatter.formatErrorSync(error)}`,
      }),
  )
