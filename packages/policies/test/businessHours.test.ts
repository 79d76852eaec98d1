import { Approval, DefinitionError, Resolutions } from '@countersign/core'
import { describe, expect, it } from 'vitest'
import { businessHours, type BusinessHoursOptions } from '../src/index.js'
import { approver, makeAgent, oneCall, refundScript, single } from './fixtures.js'

/*
 * 2025-01-08 is a Wednesday, 2025-01-11 a Saturday. New York keeps UTC-5 in January; Tokyo
 * UTC+9 all year; Berlin UTC+1 in winter and UTC+2 in summer.
 */

/** Runs one refund with the clock standing at `instant`: whether it paused for an approval, and whether the tool ran. */
const refundAt = async (instant: string, options: BusinessHoursOptions = {}) => {
  const { agent, ledger } = makeAgent(refundScript({ amount: 5 }), [
    businessHours({ ...options, now: () => new Date(instant) }),
  ])
  const output = await agent.run('refund A-1')
  return {
    output,
    paused: output.status === 'paused',
    kinds: output.activeRequirements.map((requirement) => requirement.kind),
    ran: ledger.count('process_refund'),
  }
}

const inside = { paused: false, kinds: [], ran: 1 }
const outside = { paused: true, kinds: [Approval.kind], ran: 0 }

describe('businessHours', () => {
  it.each([
    { instant: '2025-01-08T10:00:00Z', when: 'Wednesday 10:00', expected: inside },
    { instant: '2025-01-08T09:00:00Z', when: 'Wednesday 09:00, the first minute', expected: inside },
    { instant: '2025-01-08T16:59:59Z', when: 'Wednesday 16:59:59', expected: inside },
    { instant: '2025-01-08T17:00:00Z', when: 'Wednesday 17:00, the end', expected: outside },
    { instant: '2025-01-08T08:59:59Z', when: 'Wednesday 08:59:59', expected: outside },
    { instant: '2025-01-11T12:00:00Z', when: 'Saturday noon', expected: outside },
    { instant: '2025-01-12T12:00:00Z', when: 'Sunday noon', expected: outside },
  ])('in UTC by default: $when is $expected.ran ran', async ({ instant, expected }) => {
    expect(await refundAt(instant)).toMatchObject(expected)
  })

  it.each([
    { zone: 'America/New_York', instant: '2025-01-08T14:30:00Z', local: 'Wed 09:30', expected: inside },
    // 13:30 UTC is in the working day in London, not in New York.
    { zone: 'America/New_York', instant: '2025-01-08T13:30:00Z', local: 'Wed 08:30', expected: outside },
    { zone: 'America/New_York', instant: '2025-01-08T22:30:00Z', local: 'Wed 17:30', expected: outside },
    // Friday afternoon in UTC is already the weekend in Tokyo, and Monday's small hours are its working day.
    { zone: 'Asia/Tokyo', instant: '2025-01-10T16:00:00Z', local: 'Sat 01:00', expected: outside },
    { zone: 'Asia/Tokyo', instant: '2025-01-13T00:30:00Z', local: 'Mon 09:30', expected: inside },
    // The zone's own daylight saving time: 07:30 UTC is 09:30 in a Berlin summer, 08:30 in its winter.
    { zone: 'Europe/Berlin', instant: '2025-07-02T07:30:00Z', local: 'Wed 09:30 CEST', expected: inside },
    { zone: 'Europe/Berlin', instant: '2025-01-08T07:30:00Z', local: 'Wed 08:30 CET', expected: outside },
  ])('in $zone: $instant ($local) is $expected.ran ran', async ({ zone, instant, expected }) => {
    expect(await refundAt(instant, { timeZone: zone })).toMatchObject(expected)
  })

  it('keeps the days and hours it is given; 7 and 0 are both Sunday', async () => {
    const weekend = { days: [6, 7], from: '10:00', to: '14:00' }
    expect(await refundAt('2025-01-12T11:00:00Z', weekend)).toMatchObject(inside)
    expect(await refundAt('2025-01-12T11:00:00Z', { ...weekend, days: [0] })).toMatchObject(inside)
    expect(await refundAt('2025-01-12T14:00:00Z', weekend)).toMatchObject(outside)
    expect(await refundAt('2025-01-08T11:00:00Z', weekend)).toMatchObject(outside)
    expect(await refundAt('2025-01-08T23:59:00Z', { days: [3], from: '00:00', to: '24:00' })).toMatchObject(
      inside,
    )
  })

  it('asks for an approval out of hours, saying why; once approved, the tool runs once', async () => {
    const { agent, ledger } = makeAgent(refundScript({ amount: 5 }), [
      businessHours({ now: () => new Date('2025-01-11T12:00:00Z') }),
    ])
    const paused = await agent.run('refund A-1')
    const approval = single(paused.activeRequirements)
    expect(approval.request).toMatchObject({
      message:
        'A call to process_refund outside business hours (Mon,Tue,Wed,Thu,Fri 09:00-17:00 UTC) needs an approval.',
    })
    expect(ledger.calls).toEqual([])
    const done = await agent.continueRun(
      { runId: paused.runId, resolutions: [Resolutions.confirm(approval.id)] },
      { principal: approver },
    )
    expect(done.status).toBe('completed')
    expect(ledger.count('process_refund')).toBe(1)
  })

  it('reads its clock at every call', async () => {
    let now = new Date('2025-01-11T12:00:00Z')
    const { agent, ledger } = makeAgent(
      [oneCall('process_refund', { orderId: 'A-1', amount: 5 }), 'Done.'],
      [businessHours({ now: () => now })],
    )
    expect((await agent.run('refund A-1')).status).toBe('paused')
    now = new Date('2025-01-13T10:00:00Z')
    expect((await agent.run('refund A-1')).status).toBe('completed')
    expect(ledger.count('process_refund')).toBe(1)
  })

  it('judges only the tools it is given', async () => {
    const saturday = () => new Date('2025-01-11T12:00:00Z')
    const { agent, ledger } = makeAgent(
      [oneCall('lookup_order', { orderId: 'A-1' }), 'Delivered.'],
      [businessHours({ now: saturday, tools: ['process_refund'] })],
    )
    expect((await agent.run('where is A-1?')).status).toBe('completed')
    expect(ledger.count('lookup_order')).toBe(1)
  })

  it.each([
    { case: 'an unknown time zone', options: { timeZone: 'Mars/Olympus_Mons' } },
    { case: 'a time without two-digit hours', options: { from: '9:00' } },
    { case: 'a minute past 59', options: { to: '16:60' } },
    { case: 'a time past the end of the day', options: { to: '24:01' } },
    { case: 'a window that ends before it starts', options: { from: '17:00', to: '09:00' } },
    { case: 'an empty window', options: { from: '09:00', to: '09:00' } },
    { case: 'a day that is not a weekday', options: { days: [8] } },
    { case: 'a day that is not a whole number', options: { days: [1.5] } },
    { case: 'another answer out of hours', options: { outside: 'block' as 'approval' } },
    { case: 'a clock that is not a function', options: { now: new Date() as unknown as () => Date } },
  ])('refuses $case when it is made', ({ options }) => {
    expect(() => businessHours(options)).toThrow(DefinitionError)
  })
})
