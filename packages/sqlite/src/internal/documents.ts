import {
  ApprovalChange,
  ApprovalRecord,
  Delivery,
  FollowUp,
  Grant,
  isJsonWithin,
  maxJsonDepth,
  Message,
  RequirementRecord,
  Resolution,
  RunEvent,
  RunRecord,
  StoredText,
  StoreError,
} from '@countersign/core'
import { Either, ParseResult, Schema } from 'effect'
import { encodesAsItself } from './encodesAsItself.js'
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
 * How a table's records are checked when written. `'schema'`: through their Schema, as what a
 * caller hands in must be. The engine's own records, which every pause and resume writes, are
 * written as themselves when their Schema encodes a value as itself, without walking the Schema
 * again (the bulk of a write's work otherwise): `'made'`, the instances of a Schema class, each
 * checked by its constructor from checked parts (see `revise` in the core's Run); `'json'`, plain
 * records of engine-made fields and JSON values from tools, models and people, written as
 * themselves once the one walk of `isJsonWithin` finds every value in them JSON within the
 * depth a JSON value may nest (so within it every JSON field is too); any other goes through
 * the Schema, for its error. Reading always checks.
 */
type Checked = 'schema' | 'made' | 'json'

/**
 * The JSON text of a stored record, written and read through the record's Schema. A row that
 * does not decode is a StoreError naming its table and key: a corrupt or foreign row must fail
 * the one operation that read it, not crash the process or pass as a record.
 */
const document = <A, I>(schema: Schema.Schema<A, I>, table: string, checked: Checked = 'schema') => {
  const text = StoredText.codec(schema)
  const asItself = checked !== 'schema' && encodesAsItself(schema.ast)
  const encode = (value: A) =>
    asItself && (checked === 'made' || isJsonWithin(value, maxJsonDepth))
      ? Either.try({ try: () => JSON.stringify(value), catch: String })
      : text.encode(value)
  return {
    encode: (operation: string, key: RowKey, value: A): string =>
      Either.getOrThrowWith(
        encode(value),
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

export const runs = document(RunRecord, 'runs', 'made')
export const messages = document(Message, 'transcript', 'json')
export const requirements = document(RequirementRecord, 'requirements', 'made')
export const resolutions = document(Resolution, 'requirements')
export const events = document(RunEvent, 'events', 'json')
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
