import { fileURLToPath } from 'node:url'
import { errorOf } from '@countersign/client'
import { describe, expect, it } from 'vitest'
import { cli, severalRuns, useClients, useServer } from './cli.js'

const server = useServer(fileURLToPath(new URL('./answersServer.ts', import.meta.url)))
const clientOf = useClients(server)

describe('countersign input, result and resolve', severalRuns, () => {
  it('shows the form; the server refuses values of the wrong type (exit 2, its error shown), then takes the right ones', async () => {
    const paused = await cli(['run', 'booking', 'A table tonight'], { server: server(), as: 'alice' })
    expect(paused.code).toBe(3)
    const runId = /^Run (\S+) /.exec(paused.stdout)![1]!
    const requirementId = (await clientOf('alice').runs.get(runId)).activeRequirementIds[0]!
    expect(paused.lines[1]).toMatch(
      new RegExp(`^\\s+user_input\\s+${requirementId}\\s+book_table\\s+name: Ada$`),
    )
    expect(paused.stdout).toContain('field guests (number, required)')
    expect(paused.stdout).toContain(`countersign input ${runId} ${requirementId} name=value …`)

    const refused = await cli(['input', runId, requirementId, 'guests=many'], {
      server: server(),
      as: 'alice',
    })
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('(InvalidResolution)')
    expect(refused.stderr).toContain('guests')
    expect((await clientOf('alice').runs.get(runId)).requirements[0]).toMatchObject({ isResolved: false })

    const answered = await cli(['input', runId, requirementId, 'guests=4'], { server: server(), as: 'alice' })
    expect(answered.code).toBe(0)
    expect(answered.lines).toStrictEqual([
      `Run ${runId} (booking) completed`,
      'Done: booked for Ada, 4 guests',
    ])
  })

  it('blanks for a required field are refused (InvalidResolution, nothing changes); every problem is told at once, in words', async () => {
    const client = clientOf('alice')
    const paused = await client.runs.start('dinner', 'A table tonight')
    const [requirementId] = paused.activeRequirementIds
    const input = (...fields: Array<string>) =>
      cli(['input', paused.runId, requirementId!, ...fields], { server: server(), as: 'alice' })

    const both = await input('window=', 'guests=abc')
    expect(both.code).toBe(2)
    // One error, every field's problem in it, in words: no schema tree.
    expect(both.stderr).toBe(
      `error: Invalid resolution for requirement "${requirementId}" (user_input): window is required; guests must be a number, not "abc" (InvalidResolution)\n`,
    )
    const blanks = await input('window=   ', 'guests=4')
    expect(blanks.code).toBe(2)
    expect(blanks.stderr).toContain('(user_input): window is required (InvalidResolution)\n')
    // The server says the same to any client.
    const refused = await client.runs
      .continue(paused.runId, [
        { requirementId: requirementId!, value: { values: { window: '', guests: 4 } } },
      ])
      .catch((error: unknown) => errorOf(error))
    expect(refused).toMatchObject({ _tag: 'InvalidResolution', reason: 'window is required' })
    expect(await client.runs.get(paused.runId)).toStrictEqual(paused)

    const malformed = await input('window', 'guests')
    expect(malformed.code).toBe(2)
    expect(malformed.stderr).toContain('"window" is not name=value; "guests" is not name=value')

    const answered = await input('window=19:00', 'guests=2')
    expect(answered.lines).toStrictEqual([
      `Run ${paused.runId} (dinner) completed`,
      'Done: reserved for 2 at 19:00',
    ])
  })

  it('result hands back JSON read from stdin, and the run completes with it', async () => {
    const paused = await clientOf('alice').runs.start('weather', 'Tomorrow in Oslo?')
    const requirementId = paused.activeRequirementIds[0]!
    const shown = await cli(['status', paused.runId], { server: server(), as: 'alice' })
    expect(shown.code).toBe(3)
    expect(shown.stdout).toContain(`countersign result ${paused.runId} ${requirementId} <json|->`)

    const ended = await cli(['result', paused.runId, requirementId, '-'], {
      server: server(),
      as: 'alice',
      stdin: '{ "sky": "clear", "high": 21 }\n',
    })
    expect(ended.code).toBe(0)
    expect(ended.lines[0]).toBe(`Run ${paused.runId} (weather) completed`)
    expect((await clientOf('alice').runs.get(paused.runId)).requirements[0]).toMatchObject({
      resolution: { result: { sky: 'clear', high: 21 } },
    })
  })

  it('a result that is not JSON is handed back as text', async () => {
    const paused = await clientOf('alice').runs.start('weather', 'Tomorrow in Oslo?')
    const ended = await cli(['result', paused.runId, paused.activeRequirementIds[0]!, 'light rain'], {
      server: server(),
      as: 'alice',
    })
    expect(ended.code).toBe(0)
    expect(ended.lines).toStrictEqual([`Run ${paused.runId} (weather) completed`, 'Done: light rain'])
  })

  it('result --error reports that the call failed outside the agent; a result and --error together, or neither, is a usage error', async () => {
    const paused = await clientOf('alice').runs.start('weather', 'Tomorrow in Oslo?')
    const requirementId = paused.activeRequirementIds[0]!
    for (const args of [['light rain', '--error', 'down'], []]) {
      const refused = await cli(['result', paused.runId, requirementId, ...args], {
        server: server(),
        as: 'alice',
      })
      expect(refused.code).toBe(2)
    }
    expect((await clientOf('alice').runs.get(paused.runId)).status).toBe('paused')
    const ended = await cli(['result', paused.runId, requirementId, '-e', 'the forecast service is down'], {
      server: server(),
      as: 'alice',
    })
    expect(ended.code).toBe(0)
    const done = await clientOf('alice').runs.get(paused.runId)
    expect(done.requirements[0]).toMatchObject({ resolution: { error: 'the forecast service is down' } })
    expect(done.toolExecutions).toMatchObject([{ status: 'failed' }])
  })

  it('resolve sends a resolution value as it is, for kinds of any shape', async () => {
    const paused = await clientOf('alice').runs.start('weather', 'Tomorrow in Oslo?')
    const requirementId = paused.activeRequirementIds[0]!
    const wrong = await cli(['resolve', paused.runId, requirementId, '{"forecast": "snow"}'], {
      server: server(),
      as: 'alice',
    })
    expect(wrong.code).toBe(2)
    expect(wrong.stderr).toContain('(InvalidResolution)')
    const ended = await cli(['resolve', paused.runId, requirementId, '{"result": "snow"}'], {
      server: server(),
      as: 'alice',
    })
    expect(ended.code).toBe(0)
    expect(ended.lines).toStrictEqual([`Run ${paused.runId} (weather) completed`, 'Done: snow'])
  })
})
