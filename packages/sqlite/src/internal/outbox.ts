import { Delivery, type DeliveryFilter, type FollowUp, Outbox } from '@countersign/core'
import type Database from 'better-sqlite3'
import * as Docs from './documents.js'
import { filtered } from './statements.js'

interface DeliveryRow {
  readonly id: string
  readonly doc: string
}

/**
 * The outbox's table (see migration 7): `enqueue` runs inside the transaction of the commit or
 * decision that writes the deliveries; a claim reads and leases in one immediate transaction, so
 * concurrent claimers, in this process or another on the same file, never share a delivery.
 */
export const makeOutbox = (db: Database.Database) => {
  const insert = db.prepare(
    `INSERT INTO deliveries (id, channel, run_id, requirement_id, status, next_attempt_at, doc)
     VALUES (@id, @channel, @runId, @requirementId, @status, @nextAttemptAt, @doc)
     ON CONFLICT (id) DO NOTHING`,
  )
  const due = db.prepare<[number, number, string, number], DeliveryRow>(
    `SELECT id, doc FROM deliveries
     WHERE status = 'pending' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
       AND channel IN (SELECT value FROM json_each(?))
     ORDER BY next_attempt_at, rowid LIMIT ?`,
  )
  const lease = db.prepare(`UPDATE deliveries SET lease_until = @leaseUntil, doc = @doc WHERE id = @id`)
  const get = db.prepare<[string], DeliveryRow>('SELECT id, doc FROM deliveries WHERE id = ?')
  const record = db.prepare(
    `UPDATE deliveries SET status = @status, next_attempt_at = @nextAttemptAt, lease_until = NULL, doc = @doc
     WHERE id = @id AND status = 'pending'`,
  )
  const listing = filtered<Omit<DeliveryFilter, 'limit'>>(
    db,
    {
      runId: 'run_id = @runId',
      requirementId: 'requirement_id = @requirementId',
      channel: 'channel = @channel',
      status: 'status = @status',
    },
    (where) => `SELECT id, doc FROM deliveries ${where} ORDER BY rowid LIMIT @limit`,
  )

  const insertFollowUp = db.prepare(
    `INSERT INTO follow_ups (requirement_id, step, doc) VALUES (?, ?, ?)
     ON CONFLICT (requirement_id, step) DO NOTHING`,
  )
  const followUpsOf = db.prepare<[string], { readonly doc: string }>(
    'SELECT doc FROM follow_ups WHERE requirement_id = ? ORDER BY rowid',
  )

  const decode = (operation: string) => (row: DeliveryRow) =>
    Docs.deliveries.decode(operation, Docs.key(row.id), row.doc)

  const enqueue = (operation: string, deliveries: ReadonlyArray<Delivery> = []) => {
    for (const delivery of deliveries)
      insert.run({
        id: delivery.id,
        channel: delivery.channel,
        runId: delivery.runId,
        requirementId: delivery.requirementId ?? null,
        status: delivery.status,
        nextAttemptAt: delivery.nextAttemptAt,
        doc: Docs.deliveries.encode(operation, Docs.key(delivery.id), delivery),
      })
  }

  const claim = db.transaction((claim: Outbox.DeliveryClaim) =>
    due
      .all(claim.now, claim.now, JSON.stringify(claim.channels), Math.max(0, Math.trunc(claim.limit)))
      .map(decode('claimDeliveries'))
      .map((delivery) => {
        const claimed = new Delivery({ ...delivery, attempts: delivery.attempts + 1 })
        const doc = Docs.deliveries.encode('claimDeliveries', Docs.key(claimed.id), claimed)
        lease.run({ id: claimed.id, leaseUntil: claim.leaseUntil, doc })
        return claimed
      }),
  )

  const recordOutcome = db.transaction((deliveryId: string, outcome: Outbox.DeliveryOutcome) => {
    const row = get.get(deliveryId)
    if (row === undefined) return
    const delivery = decode('recordDelivery')(row)
    if (delivery.status !== 'pending') return
    const after = Outbox.afterAttempt(delivery, outcome)
    record.run({
      id: deliveryId,
      status: after.status,
      nextAttemptAt: after.nextAttemptAt,
      doc: Docs.deliveries.encode('recordDelivery', Docs.key(deliveryId), after),
    })
  })

  const list = (filter: DeliveryFilter) => {
    const { statement, parameters } = listing(filter, { limit: filter.limit ?? Outbox.defaultListLimit })
    return (statement.all(parameters) as Array<DeliveryRow>).map(decode('listDeliveries'))
  }

  /** A step recorded once: its deliveries are written only by the call that records it. */
  const recordFollowUp = db.transaction(
    (followUp: FollowUp, deliveries: ReadonlyArray<Delivery> | undefined) => {
      const key = Docs.key(followUp.requirementId, followUp.step)
      const doc = Docs.followUps.encode('recordFollowUp', key, followUp)
      if (insertFollowUp.run(followUp.requirementId, followUp.step, doc).changes === 0) return false
      enqueue('recordFollowUp', deliveries)
      return true
    },
  )

  return {
    enqueue,
    recordFollowUp: (followUp: FollowUp, deliveries: ReadonlyArray<Delivery> | undefined) =>
      recordFollowUp.immediate(followUp, deliveries),
    listFollowUps: (requirementId: string) =>
      followUpsOf
        .all(requirementId)
        .map(({ doc }) => Docs.followUps.decode('listFollowUps', Docs.key(requirementId), doc)),
    claim: (request: Outbox.DeliveryClaim) => claim.immediate(request),
    record: (deliveryId: string, outcome: Outbox.DeliveryOutcome) =>
      recordOutcome.immediate(deliveryId, outcome),
    list,
  }
}
