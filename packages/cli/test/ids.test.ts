import { describe, expect, it } from 'vitest'
import { expandId } from '../src/internal/ids.js'
import { cli, severalRuns, useClients, useServer } from './cli.js'

const server = useServer()
const clientOf = useClients(server)

describe('ids by their first characters, as git takes a commit', severalRuns, () => {
  it('approve takes a unique prefix of a requirement id from pending; status and watch of a run id', async () => {
    const paused = await clientOf('alice').runs.start('assistant', 'Move 100')
    const requirementId = paused.activeRequirementIds[0]!
    const status = await cli(['status', paused.runId.slice(0, 8)], { server: server(), as: 'alice' })
    expect(status.code).toBe(3)
    expect(status.lines[0]).toContain(paused.runId)
    const approved = await cli(['approve', requirementId.slice(0, 6)], { server: server(), as: 'alice' })
    expect(approved.code).toBe(0)
    expect((await clientOf('alice').runs.get(paused.runId)).status).toBe('completed')
  })

  it('the run and the requirement, both shortened', async () => {
    const paused = await clientOf('alice').runs.start('assistant', 'Move 100')
    const ended = await cli(
      ['reject', paused.runId.slice(0, 8), paused.activeRequirementIds[0]!.slice(0, 8), '-n', 'not today'],
      { server: server(), as: 'alice' },
    )
    expect(ended.code).toBe(0)
    expect((await clientOf('alice').runs.get(paused.runId)).status).toBe('completed')
  })

  it("a prefix of someone else's run or requirement matches nothing of yours: refused, and their run is untouched", async () => {
    const bobs = await clientOf('bob').runs.start('assistant', 'Move 100')
    const approve = await cli(['approve', bobs.activeRequirementIds[0]!.slice(0, 8)], {
      server: server(),
      as: 'alice',
    })
    // Not one of hers, so taken as a whole approval id: she is no approver (exit 7).
    expect(approve.code).toBe(7)
    const status = await cli(['status', bobs.runId.slice(0, 8)], { server: server(), as: 'alice' })
    expect(status.code).toBe(5)
    expect((await clientOf('bob').runs.get(bobs.runId)).status).toBe('paused')
  })

  it('a prefix of several ids is refused, naming them; a short one is taken as a whole id', () => {
    const ids = ['abcd1234', 'abcd5678', 'ffff0000']
    expect(expandId('ffff', ids, 'run')).toBe('ffff0000')
    expect(expandId('abcd1234', ids, 'run')).toBe('abcd1234')
    expect(() => expandId('abcd', ids, 'run')).toThrow(
      '"abcd" begins 2 run ids (abcd1234, abcd5678): give more of it',
    )
    expect(expandId('ff', ids, 'run')).toBe('ff')
    expect(expandId('0000', ids, 'run')).toBe('0000')
  })
})

describe('countersign pending', severalRuns, () => {
  it('lists the oldest first, as the control panel does; --newest-first the other way', async () => {
    const first = await clientOf('bob').runs.start('assistant', 'Move 1')
    // Created in a later millisecond than the first, whatever the machine's speed.
    const created = Date.now()
    while (Date.now() === created) await new Promise((next) => setImmediate(next))
    const second = await clientOf('bob').runs.start('assistant', 'Move 2')
    const runsIn = (lines: ReadonlyArray<string>) =>
      lines.flatMap((line) => [first.runId, second.runId].filter((runId) => line.includes(runId)))
    const oldest = await cli(['pending'], { server: server(), as: 'bob' })
    expect(runsIn(oldest.lines)).toStrictEqual([first.runId, second.runId])
    const newest = await cli(['pending', '--newest-first'], { server: server(), as: 'bob' })
    expect(runsIn(newest.lines)).toStrictEqual([second.runId, first.runId])
  })
})
