import { describe, expect } from 'vitest'
import type { ConformanceKit } from './ApprovalConformance.js'
import { race, run } from './StoreConformance.js'

/** The lease that elects one sweeper among the processes sharing a store (`holdSweeperLease`). */
export const describeSweeperLeaseConformance = ({ test, uid }: ConformanceKit): void => {
  // The lease is one per store: each test's times come after any a shared store was given before.
  let base = Date.now() * 1_000
  const nextBase = () => (base += 1_000_000_000)

  describe('sweeper lease', () => {
    test('one holder at a time: renewed by its holder, taken over only once it lapses', async (store) => {
      const t = nextBase()
      const [first, second] = [uid('process'), uid('process')]
      const hold = (holder: string, now: number, until: number) =>
        run(store.holdSweeperLease({ holder, expiresAt: until }, now))

      expect(await hold(first, t, t + 30)).toBe(true)
      expect(await hold(second, t + 10, t + 40)).toBe(false)
      // Renewed before it lapsed: the renewal holds it past its first end.
      expect(await hold(first, t + 20, t + 50)).toBe(true)
      expect(await hold(second, t + 40, t + 70)).toBe(false)
      // Lapsed (at or before now): anyone takes it, and its old holder no longer holds it.
      expect(await hold(second, t + 50, t + 80)).toBe(true)
      expect(await hold(first, t + 55, t + 85)).toBe(false)
      expect(await hold(second, t + 60, t + 90)).toBe(true)
    })

    test('of 20 processes taking a free or lapsed lease at once, exactly one holds it', async (store) => {
      const t = nextBase()
      const takers = (now: number) =>
        Array.from({ length: 20 }, () =>
          store.holdSweeperLease({ holder: uid('process'), expiresAt: now + 30 }, now),
        )

      const free = await race(takers(t))
      expect(free.losers).toStrictEqual([])
      expect(free.winners.filter((held) => held)).toHaveLength(1)

      const lapsed = await race(takers(t + 30))
      expect(lapsed.winners.filter((held) => held)).toHaveLength(1)
    })
  })
}
