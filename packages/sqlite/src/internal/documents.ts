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
 * Whether a table holds the engine's own records, which every pause and resume writes. Those are
 * written as themselves when their Schema encodes a value as itself, without walking the Schema
 * again (the bulk of a write's work otherwise), once the one walk of `isJsonWithin` finds every
 * value in the record JSON within the depth a JSON value may nest (so that every JSON field in
 * it, a tool's result or a person's answer, is JSON within that depth too); their other checks
 * were made when the engine made them (a Schema class's constructor checks its instance; see
 * `revise` in the core's Run). Any other record goes through its Schema, for its error, as what
 * a caller hands in always does. Reading always checks.
 */
type Writer = 'caller' | 'engine'

/**
 * The JSON text of a stored record, written and read through the record's Schema. A row that
 * does not decode is a StoreError naming its table and key: a corrupt or foreign row must fail
 * the one operation that read it, not crash the process or pass as a record.
 */
const document = <A, I>(schema: Schema.Schema<A, I>, table: string, writer: Writer = 'caller') => {
  const text = StoredText.codec(schema)
  const asItself = writer === 'engine' && StoredText.encodesAsItself(schema.ast)
  const encode = (value: A) =>
    asItself && isJsonWithin(value, maxJsonDepth)
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
