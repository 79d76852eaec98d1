import type { SweeperLease } from '@countersign/core'
import type { Collections } from './collections.js'
import { isDuplicateKey } from './errors.js'

/**
 * Takes or renews the sweeper's lease with inserts and single-writer updates only (FerretDB 1.x
 * does not make conditional updates atomic). The lease lives in numbered terms: taking it over is
 * inserting the next term, which the server lets one caller do; renewing it is its holder updating
 * its own term, which nobody else writes. A taker only inserts after the latest term lapsed, and a
 * holder only renews before it does (the sweeper renews every third of a lease), so a renewal is
 * seen by any taker that reads after the lease's end.
 */
export const holdSweeperLease = async (
  c: Collections,
  lease: SweeperLease,
  now: number,
): Promise<boolean> => {
  const [latest] = await c.sweeperLeases.find({}).sort({ _id: -1 }).limit(1).toArray()
  if (latest !== undefined && latest.expiresAt > now) {
    if (latest.holder !== lease.holder) return false
    await c.sweeperLeases.updateOne({ _id: latest._id }, { $set: { expiresAt: lease.expiresAt } })
    return true
  }
  const term = (latest?._id ?? 0) + 1
  try {
    await c.sweeperLeases.insertOne({ _id: term, holder: lease.holder, expiresAt: lease.expiresAt })
  } catch (cause) {
    if (isDuplicateKey(cause)) return false
    throw cause
  }
  // Terms before are over: only the latest is ever read.
  await c.sweeperLeases.deleteMany({ _id: { $lt: term } })
  return true
}
