import { Effect } from 'effect'
import { describe, expect, it } from 'vitest'
import { Suspensions } from '../src/internal/Suspensions.js'

describe('Suspensions: how many paused runs keep a fiber', () => {
  it('lets go of the oldest waiting runs beyond the limit, and of none within it', () => {
    const suspensions = new Suspensions(2)
    for (const runId of ['a', 'b', 'c', 'd']) Effect.runSync(suspensions.register(runId))
    expect(suspensions.wait('a')).toEqual([])
    expect(suspensions.wait('b')).toEqual([])
    expect(suspensions.wait('c')).toEqual(['a'])
    expect(['a', 'b', 'c'].map(suspensions.isWaiting)).toEqual([false, true, true])
    // A run taken (continued) makes room: the next one to wait evicts nothing.
    expect(suspensions.take('b')).toBeDefined()
    expect(suspensions.wait('d')).toEqual([])
    expect(['c', 'd'].map(suspensions.isWaiting)).toEqual([true, true])
    expect(suspensions.take('a')).toBeUndefined()
  })
})
