import { describe, expect, it } from 'vitest'
import { cli, severalRuns, startCli, useClients, useServer } from './cli.js'

const server = useServer()
const clientOf = useClients(server)

/** An event line: sequence number, time of day, tag, gist. */
const eventOf = (line: string) => {
  const match = /^\s*(\d+)\s+(\d\d:\d\d:\d\d\.\d{3})\s+(\w+)\s*(.*)$/.exec(line)
  if (match === null) throw new Error(`not an event line: ${line}`)
  return { seq: Number(match[1]), tag: match[3]!, gist: match[4]! }
}

describe('countersign watch', severalRuns, () => {
  it('prints the events live, in order, across the pause, and exits 0 once the run completes', async () => {
    const paused = await clientOf('alice').runs.start('assistant', 'Move 100')
    const requirementId = paused.activeRequirementIds[0]!
    const watching = startCli(['watch', paused.runId], { server: server(), as: 'alice' })
    // The stored events up to the pause, then it waits for the run to go on.
    const pause = eventOf(await watching.nextLine((line) => line.includes('RunPaused')))
    expect(pause.gist).toBe(`confirmation transfer [${requirementId}]`)

    expect(
      (await cli(['approve', paused.runId, requirementId], { server: server(), as: 'alice' })).code,
    ).toBe(0)
    const ended = await watching.ended
    expect(ended.code).toBe(0)
    const events = ended.lines.map(eventOf)
    // In order; a model's text streams on one line, which bears its first delta's number.
    expect(events[0]?.seq).toBe(1)
    for (const [index, event] of events.entries())
      if (index > 0) expect(event.seq).toBeGreaterThan(events[index - 1]!.seq)
    const tags = events.map(({ tag }) => tag)
    expect(tags[0]).toBe('RunStarted')
    expect(tags.slice(tags.indexOf('RunPaused'), tags.indexOf('RunPaused') + 3)).toStrictEqual([
      'RunPaused',
      'RequirementResolved',
      'RunContinued',
    ])
    expect(events.find(({ tag }) => tag === 'ToolCallStarted')?.gist).toBe('transfer(amount: 100)')
    expect(events.find(({ tag }) => tag === 'RequirementResolved')?.gist).toBe(
      `confirmation [${requirementId}] approved by alice`,
    )
    expect(events.at(-1)).toMatchObject({ tag: 'RunCompleted', gist: 'Done: moved 100' })
    // The answer's deltas (one a word) on one line, as they streamed.
    const content = events.filter(({ tag }) => tag === 'RunContent')
    expect(content.map(({ gist }) => gist)).toStrictEqual(['Done: moved 100'])
    const asJson = await cli(['watch', paused.runId, '--json'], { server: server(), as: 'alice' })
    const stored = asJson.lines
      .map((line) => JSON.parse(line) as { _tag: string; seq: number })
      .filter((event) => event._tag === 'RunContent')
    expect(stored.length).toBeGreaterThan(1)
    expect(content[0]?.seq).toBe(stored[0]?.seq)
  })

  it("a team's run shows its member's events; a cancelled run exits 4", async () => {
    const paused = await clientOf('alice').runs.start('support', 'Move 7')
    await clientOf('alice').runs.cancel(paused.runId)
    const ended = await cli(['watch', paused.runId], { server: server(), as: 'alice' })
    expect(ended.code).toBe(4)
    const events = ended.lines.map(eventOf)
    expect(events.find(({ tag }) => tag === 'MemberRunStarted')?.gist).toBe('worker: Move 7')
    expect(events.find(({ tag }) => tag === 'RunPaused')?.gist).toMatch(
      /^confirmation transfer \(by worker\) \[/,
    )
    expect(events.at(-1)?.tag).toBe('RunCancelled')
  })

  it('--json prints one event a line, as the server sends them', async () => {
    const paused = await clientOf('alice').runs.start('assistant', 'Move 100')
    await clientOf('alice').runs.cancel(paused.runId)
    const ended = await cli(['watch', paused.runId, '--json'], { server: server(), as: 'alice' })
    expect(ended.code).toBe(4)
    const events = ended.lines.map((line) => JSON.parse(line) as { seq: number; _tag: string; runId: string })
    expect(events.map(({ seq }) => seq)).toStrictEqual(events.map((_, index) => index + 1))
    expect(events.every(({ runId }) => runId === paused.runId)).toBe(true)
    expect(events.at(-1)?._tag).toBe('RunCancelled')
  })

  it('an unknown run exits 5', async () => {
    const ended = await cli(['watch', 'no-such-run'], { server: server(), as: 'alice' })
    expect(ended.code).toBe(5)
    expect(ended.stderr).toContain('RunNotFound')
  })
})

describe('countersign run --watch', severalRuns, () => {
  it('prints the events as the run goes, up to its pause, then what it waits for (exit 3)', async () => {
    const ended = await cli(['run', 'assistant', 'Move 100', '--watch'], { server: server(), as: 'alice' })
    expect(ended.code).toBe(3)
    const summary = ended.lines.findIndex((line) => line.startsWith('Run '))
    const events = ended.lines.slice(0, summary).map(eventOf)
    expect(events.map(({ seq }) => seq)).toStrictEqual(events.map((_, index) => index + 1))
    expect(events[0]).toMatchObject({ tag: 'RunStarted', gist: 'assistant: Move 100' })
    expect(events.at(-1)?.tag).toBe('RunPaused')
    expect(ended.lines[summary]).toMatch(/^Run \S+ \(assistant\) paused, waiting for 1 decision:$/)
  })
})
