import { describe, expect, it } from 'vitest'
import * as EventLog from '../src/internal/eventLog.js'

describe("EventLog: a run's events in the memory store", () => {
  it('keeps texts in the order of their numbers, whatever the order they came in', () => {
    const log = EventLog.empty()
    for (const seq of [3, 1, 5, 2]) EventLog.put(log, seq, `event ${seq}`)
    expect(EventLog.textsAfter(log, 0)).toStrictEqual(['event 1', 'event 2', 'event 3', 'event 5'])
    expect(EventLog.textsAfter(log, 2)).toStrictEqual(['event 3', 'event 5'])
    expect(EventLog.textsAfter(log, 4)).toStrictEqual(['event 5'])
    expect(EventLog.textsAfter(log, 5)).toStrictEqual([])
  })

  it('knows which numbers it holds, and one put again replaces its text', () => {
    const log = EventLog.empty()
    for (const seq of [1, 2, 4]) EventLog.put(log, seq, `event ${seq}`)
    EventLog.put(log, 2, 'event 2, again')
    expect([0, 1, 2, 3, 4, 5].map((seq) => EventLog.has(log, seq))).toStrictEqual([
      false,
      true,
      true,
      false,
      true,
      false,
    ])
    expect(EventLog.has(undefined, 1)).toBe(false)
    expect(EventLog.textsAfter(log, 0)).toStrictEqual(['event 1', 'event 2, again', 'event 4'])
  })

  it('holds the same events once settled, and takes more after', () => {
    const log = EventLog.empty()
    for (const seq of [1, 2, 3]) EventLog.put(log, seq, `event ${seq}`)
    EventLog.settle(log)
    EventLog.put(log, 4, 'event 4')
    expect(EventLog.textsAfter(log, 1)).toStrictEqual(['event 2', 'event 3', 'event 4'])
  })
})
