/**
 * The outbox in MongoDB, without transactions. A stop's deliveries are in its stop document, and a
 * decision's in its resolution document, flagged `outboxPending`: that insert is the commit, so a
 * delivery exists once the change does. Its writer then inserts them into `deliveries` (a taken id
 * left as it is) and clears the flag; a crash in between leaves the flag, and the next claim of any
 * dispatcher inserts what is missing first. So a delivery is never lost, and never written twice.
 *
 * A claim is an insert of the attempt's `delivery_claims` document: of concurrent claimers, the
 * server lets one through (FerretDB 1.x does not make conditional updates atomic, so none is
 * relied on). The winner then checks the delivery is still pending, which an attempt recorded
 * meanwhile would have changed: its record is written before its claim's lease is ended.
 */
import { Delivery, type DeliveryFilter, type FollowUp, Outbox } from '@countersign/core'
import type { Filter } from 'mongodb'
import {
  type Collections,
  type DeliveryDocument,
  type EventDocument,
  type FollowUpDocument,
  type ResolutionDocument,
  schemaVersion,
} from './collections.js'
import * as Docs from './documents.js'
import { isDuplicateKey, refusedAsTaken } from './errors.js'

/** How many flagged documents one claim repairs at most: the rest, the next. */
const repairBatch = 50

export const deliveryDocument = (operation: string, delivery: Delivery): DeliveryDocument => ({
  _id: delivery.id,
  schemaVersion,
  channel: delivery.channel,
  runId: delivery.runId,
  ...(delivery.requirementId === undefined ? {} : { requirementId: delivery.requirementId }),
  status: delivery.status,
  nextAttemptAt: delivery.nextAttemptAt,
  createdAt: delivery.createdAt,
  doc: Docs.deliveries.encode(operation, delivery.id, delivery),
})

/** The fields that put deliveries in a stop's or a decision's document until they are in the outbox. */
export const flagged = (
  codec: typeof Docs.stopDeliveries,
  operation: string,
  id: string,
  deliveries: ReadonlyArray<Delivery> | undefined,
) =>
  deliveries === undefined || deliveries.length === 0
    ? {}
    : { deliveries: codec.encode(operation, id, deliveries), outboxPending: true as const }

export const makeOutbox = (c: Collections) => {
  /** Inserts the deliveries, leaving each whose id is taken as it is. */
  const insertNew = async (operation: string, deliveries: ReadonlyArray<Delivery>) => {
    if (deliveries.length === 0) return
    try {
      await c.deliveries.insertMany(
        deliveries.map((delivery) => deliveryDocument(operation, delivery)),
        { ordered: false },
      )
    } catch (cause) {
      refusedAsTaken(cause, deliveries.length)
    }
  }

  /** Moves a flagged document's deliveries into the outbox, then clears its flag. */
  const flush = async (
    operation: string,
    stored: EventDocument | ResolutionDocument | FollowUpDocument,
    codec: typeof Docs.stopDeliveries,
    clear: () => Promise<unknown>,
  ) => {
    await insertNew(operation, stored.deliveries === undefined ? [] : codec.decode(operation, stored))
    await clear()
  }

  const flushStop = (operation: string, stored: EventDocument) =>
    flush(operation, stored, Docs.stopDeliveries, () =>
      c.events.updateOne({ _id: stored._id }, { $unset: { outboxPending: '' } }),
    )
  const flushDecision = (operation: string, stored: ResolutionDocument) =>
    flush(operation, stored, Docs.decisionDeliveries, () =>
      c.resolutions.updateOne({ _id: stored._id }, { $unset: { outboxPending: '' } }),
    )

  const flushFollowUp = (operation: string, stored: FollowUpDocument) =>
    flush(operation, stored, Docs.followUpDeliveries, () =>
      c.followUps.updateOne({ _id: stored._id }, { $unset: { outboxPending: '' } }),
    )

  /** What crashes left flagged: written into the outbox before any claim reads it. */
  const repair = async (operation: string) => {
    const [stops, decisions, followUps] = await Promise.all([
      c.events.find({ outboxPending: true }).limit(repairBatch).toArray(),
      c.resolutions.find({ outboxPending: true }).limit(repairBatch).toArray(),
      c.followUps.find({ outboxPending: true }).limit(repairBatch).toArray(),
    ])
    for (const stop of stops) await flushStop(operation, stop)
    for (const decision of decisions) await flushDecision(operation, decision)
    for (const followUp of followUps) await flushFollowUp(operation, followUp)
  }

  const decode = (operation: string) => (stored: DeliveryDocument) =>
    Docs.deliveries.decode(operation, stored)

  /** Claims the next attempt at one delivery: the claimed delivery, or undefined if another has it. */
  const claimOne = async (operation: string, candidate: Delivery, claim: Outbox.DeliveryClaim) => {
    const latest = await c.deliveryClaims.find({ deliveryId: candidate.id }).sort({ n: -1 }).limit(1).next()
    if (latest !== null && latest.leaseUntil > claim.now) return undefined
    const n = (latest?.n ?? 0) + 1
    try {
      await c.deliveryClaims.insertOne({
        _id: `${candidate.id}:${n}`,
        deliveryId: candidate.id,
        n,
        owner: claim.owner,
        leaseUntil: claim.leaseUntil,
      })
    } catch (cause) {
      if (isDuplicateKey(cause)) return undefined
      throw cause
    }
    // An attempt recorded since the candidate was read has changed it: read it again.
    const stored = await c.deliveries.findOne({ _id: candidate.id })
    const current = stored === null ? undefined : decode(operation)(stored)
    if (current === undefined || current.status !== 'pending' || current.nextAttemptAt > claim.now) {
      await endLease(candidate.id, n, claim.now)
      return undefined
    }
    const claimed = new Delivery({ ...current, attempts: n })
    await c.deliveries.updateOne(
      { _id: claimed.id },
      { $set: { doc: Docs.deliveries.encode(operation, claimed.id, claimed) } },
    )
    return claimed
  }

  const endLease = (deliveryId: string, n: number, at: number) =>
    c.deliveryClaims.updateOne({ _id: `${deliveryId}:${n}` }, { $set: { leaseUntil: at } })

  const filterOf = (filter: DeliveryFilter): Filter<DeliveryDocument> => ({
    ...(filter.runId === undefined ? {} : { runId: filter.runId }),
    ...(filter.requirementId === undefined ? {} : { requirementId: filter.requirementId }),
    ...(filter.channel === undefined ? {} : { channel: filter.channel }),
    ...(filter.status === undefined ? {} : { status: filter.status }),
  })

  return {
    /** After the commit's stop document is in: its deliveries into the outbox, its flag cleared. */
    committed: (operation: string, stop: EventDocument) =>
      stop.outboxPending === true ? flushStop(operation, stop) : Promise.resolve(),
    decided: (operation: string, decision: ResolutionDocument) =>
      decision.outboxPending === true ? flushDecision(operation, decision) : Promise.resolve(),

    claim: async (claim: Outbox.DeliveryClaim) => {
      const operation = 'claimDeliveries'
      await repair(operation)
      const limit = Math.max(0, Math.trunc(claim.limit))
      if (limit === 0 || claim.channels.length === 0) return []
      // Read past the limit: some of these may be leased to others.
      const candidates = (
        await c.deliveries
          .find({
            status: 'pending',
            nextAttemptAt: { $lte: claim.now },
            channel: { $in: [...claim.channels] },
          })
          .sort({ nextAttemptAt: 1, _id: 1 })
          .limit(limit * 2)
          .toArray()
      ).map(decode(operation))
      const claimed: Array<Delivery> = []
      for (const candidate of candidates) {
        if (claimed.length === limit) break
        const won = await claimOne(operation, candidate, claim)
        if (won !== undefined) claimed.push(won)
      }
      return claimed
    },

    record: async (deliveryId: string, outcome: Outbox.DeliveryOutcome) => {
      const operation = 'recordDelivery'
      const stored = await c.deliveries.findOne({ _id: deliveryId })
      if (stored === null) return
      const delivery = decode(operation)(stored)
      if (delivery.status !== 'pending') return
      const after = Outbox.afterAttempt(delivery, outcome)
      await c.deliveries.updateOne(
        { _id: deliveryId, status: 'pending' },
        {
          $set: {
            status: after.status,
            nextAttemptAt: after.nextAttemptAt,
            doc: Docs.deliveries.encode(operation, deliveryId, after),
          },
        },
      )
      await endLease(deliveryId, delivery.attempts, outcome.at)
    },

    /** Inserts the step's document, its deliveries flagged in it: a taken `_id` means it was recorded. */
    recordFollowUp: async (followUp: FollowUp, deliveries: ReadonlyArray<Delivery> | undefined) => {
      const operation = 'recordFollowUp'
      const _id = `${followUp.requirementId}:${followUp.step}`
      const document: FollowUpDocument = {
        _id,
        schemaVersion,
        requirementId: followUp.requirementId,
        doc: Docs.followUps.encode(operation, _id, followUp),
        ...flagged(Docs.followUpDeliveries, operation, _id, deliveries),
      }
      try {
        await c.followUps.insertOne(document)
      } catch (cause) {
        if (isDuplicateKey(cause)) return false
        throw cause
      }
      if (document.outboxPending === true) await flushFollowUp(operation, document)
      return true
    },
    listFollowUps: async (requirementId: string) =>
      (await c.followUps.find({ requirementId }).toArray())
        .map((stored) => Docs.followUps.decode('listFollowUps', stored))
        .sort((a, b) => a.at - b.at),

    list: async (filter: DeliveryFilter) =>
      (
        await c.deliveries
          .find(filterOf(filter))
          .sort({ createdAt: 1, _id: 1 })
          .limit(filter.limit ?? Outbox.defaultListLimit)
          .toArray()
      ).map(decode('listDeliveries')),
  }
}
