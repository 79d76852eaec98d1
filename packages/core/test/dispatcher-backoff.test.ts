import { describe, expect, it } from 'vitest'
import { backoffMs, type DispatchSettings } from '../src/internal/dispatcher.js'

const settings: DispatchSettings = {
  channels: [],
  maxAttempts: 8,
  initialDelayMs: 1_000,
  maxDelayMs: 60_000,
  pollEvery: '1 second',
  leaseMs: 60_000,
  concurrency: 8,
}

describe('the dispatcher’s backoff', () => {
  it('doubles from the initial delay up to the longest, half of it random', () => {
    expect([1, 2, 3, 4].map((attempt) => backoffMs(settings, attempt, 0))).toStrictEqual([
      500, 1_000, 2_000, 4_000,
    ])
    expect([1, 2, 3, 4].map((attempt) => backoffMs(settings, attempt, 1))).toStrictEqual([
      1_000, 2_000, 4_000, 8_000,
    ])
    expect(backoffMs(settings, 40, 1)).toBe(60_000)
    expect(backoffMs(settings, 40, 0)).toBe(30_000)
  })

  it('waits what the receiver asked for (Retry-After) instead, never less than nothing', () => {
    expect(backoffMs(settings, 1, 0.5, 7_000)).toBe(7_000)
    expect(backoffMs(settings, 5, 0.5, -3)).toBe(0)
  })
})
