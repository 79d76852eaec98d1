/**
 * Grants: a `grants` document as given, never updated, and what happened to it since in documents
 * that are only inserted. How a grant ended (revoked, or a `once` grant used) is one
 * `grant_endings` document under the grant's id: the server lets one caller insert it, so a grant
 * ends once, whoever races to end it. The uses of a `session` grant are the approvals recorded with
 * them (`usedGrant` set), counted when the grant is read.
 *
 * A use checks that the grant has not ended before it records itself, and a revocation ends the
 * grant without touching its uses: a use of a session grant that started before a revocation was
 * stored may still go through. A revocation applies to the uses that start after it is stored.
 *
 * A `once` grant's use is its ending, which carries the use's approval: should the process die
 * before the approval is written to `approvals`, the next read of the grant writes it.
 */
import { type ApprovalRecord, Grant, GrantInactive, GrantNotFound, type StoreError } from '@countersign/core'
import { Effect, Option } from 'effect'
import type { Filter } from 'mongodb'
import { insertNew, written } from './approvals.js'
import {
  type Collections,
  type GrantDocument,
  type GrantEndingDocument,
  schemaVersion,
} from './collections.js'
import * as Docs from './documents.js'
import { attempt, isDuplicateKey } from './errors.js'

export const makeGrants = (c: Collections) => {
  /** Grants as they stand now: each document with its ending and its uses. */
  const current = async (operation: string, documents: ReadonlyArray<GrantDocument>) => {
    if (documents.length === 0) return []
    const ids = documents.map(({ _id }) => _id)
    const [endings, counted] = await Promise.all([
      c.grantEndings.find({ _id: { $in: ids } }).toArray(),
      c.approvals
        .aggregate<{ _id: string; uses: number }>([
          { $match: { usedGrant: { $in: ids } } },
          { $group: { _id: '$usedGrant', uses: { $sum: 1 } } },
        ])
        .toArray(),
    ])
    const endingOf = new Map(endings.map((ending) => [ending._id, ending]))
    const usesOf = new Map(counted.map(({ _id, uses }) => [_id, uses]))
    const grants: Array<Grant.Grant> = []
    for (const stored of documents) {
      const grant = Docs.grants.decode(operation, stored)
      const ending = endingOf.get(grant.id)
      const recorded = usesOf.get(grant.id) ?? 0
      // A once grant's use whose approval was not written (the process died after the use): written now.
      if (ending?.kind === 'used' && ending.approval !== undefined && recorded === 0) {
        const approval = Docs.useApprovals.decode(operation, ending)
        if ((await c.approvals.findOne({ _id: approval.id }, { projection: { _id: 1 } })) === null)
          await insertNew(c, [written(operation, approval, grant.id)])
      }
      const revocation =
        grant.revocation ??
        (ending?.kind === 'revoked' ? Docs.revocations.decode(operation, ending) : undefined)
      const uses = grant.scope === 'once' ? (ending?.kind === 'used' ? 1 : 0) : recorded
      grants.push(
        new Grant.Grant({
          ...grant,
          uses: grant.uses + uses,
          ...(revocation === undefined ? {} : { revocation }),
        }),
      )
    }
    return grants
  }

  const read = async (operation: string, grantId: string) => {
    const stored = await c.grants.findOne({ _id: grantId })
    return stored === null ? undefined : (await current(operation, [stored]))[0]
  }

  /** The grant, if it can be used or revoked now. */
  const active = (operation: string, grantId: string) =>
    Effect.flatMap(
      attempt(operation, () => read(operation, grantId)),
      (grant): Effect.Effect<Grant.Grant, GrantNotFound | GrantInactive> => {
        if (grant === undefined) return Effect.fail(new GrantNotFound({ grantId }))
        const status = Grant.statusOf(grant)
        return status === 'active'
          ? Effect.succeed(grant)
          : Effect.fail(new GrantInactive({ grantId, status }))
      },
    )

  /**
   * Inserts the grant's ending: the server lets one caller through. The others find the ending
   * there first, and the grant inactive as it says.
   */
  const end = (
    operation: string,
    grantId: string,
    ending: Omit<GrantEndingDocument, '_id' | 'schemaVersion'>,
  ): Effect.Effect<void, GrantInactive | StoreError> =>
    Effect.flatMap(
      attempt(operation, async () => {
        try {
          await c.grantEndings.insertOne({ _id: grantId, schemaVersion, ...ending })
          return undefined
        } catch (cause) {
          if (!isDuplicateKey(cause)) throw cause
          const now = await read(operation, grantId)
          return now === undefined ? 'revoked' : Grant.statusOf(now)
        }
      }),
      (lost) =>
        lost === undefined ? Effect.void : Effect.fail(new GrantInactive({ grantId, status: lost })),
    )

  /** Encodes documents, an unencodable value failing the operation before anything is written. */
  const encode = <A>(operation: string, build: () => A): Effect.Effect<A, StoreError> =>
    attempt(operation, async () => build())

  return {
    create: (grant: Grant.Grant) =>
      Effect.flatMap(
        encode('createGrant', () => ({
          schemaVersion,
          scope: grant.scope,
          sessionId: grant.sessionId,
          sourceId: grant.sourceId,
          toolName: grant.toolName,
          grantedAt: grant.grantedAt,
          doc: Docs.grants.encode('createGrant', grant.id, grant),
        })),
        (document) =>
          attempt('createGrant', async () => {
            await c.grants.replaceOne({ _id: grant.id }, document, { upsert: true })
          }),
      ),
    get: (grantId: string) =>
      attempt('getGrant', async () => Option.fromNullable(await read('getGrant', grantId))),
    list: (filter: Grant.GrantFilter) =>
      attempt('listGrants', async () => {
        const query: Filter<GrantDocument> = {
          ...(filter.sessionId === undefined ? {} : { sessionId: filter.sessionId }),
          ...(filter.sourceId === undefined ? {} : { sourceId: filter.sourceId }),
          ...(filter.toolName === undefined ? {} : { toolName: filter.toolName }),
        }
        const documents = await c.grants.find(query).sort({ grantedAt: -1, _id: 1 }).toArray()
        const grants = await current('listGrants', documents)
        return filter.status === undefined
          ? grants
          : grants.filter((grant) => Grant.statusOf(grant) === filter.status)
      }),
    revoke: (grantId: string, revocation: Grant.Revocation) =>
      Effect.gen(function* () {
        const operation = 'revokeGrant'
        const grant = yield* active(operation, grantId)
        const text = yield* encode(operation, () => Docs.revocations.encode(operation, grantId, revocation))
        yield* end(operation, grantId, { kind: 'revoked', at: revocation.revokedAt, revocation: text })
        return new Grant.Grant({ ...grant, revocation })
      }),
    /*
     * A once grant's use is the insert of its ending, then its approval; a session grant's, the
     * insert of its approval. A use whose approval id is stored already (a retried use) is not
     * counted again.
     */
    use: (grantId: string, approval: ApprovalRecord) =>
      Effect.gen(function* () {
        const operation = 'useGrant'
        const grant = yield* active(operation, grantId)
        const [use, text] = yield* encode(
          operation,
          () =>
            [
              written(operation, approval, grantId),
              Docs.useApprovals.encode(operation, grantId, approval),
            ] as const,
        )
        if (grant.scope === 'once')
          yield* end(operation, grantId, { kind: 'used', at: approval.createdAt, approval: text })
        yield* attempt(operation, () => insertNew(c, [use]))
        return new Grant.Grant({ ...grant, uses: grant.uses + 1 })
      }),
  }
}
