import { randomBytes } from 'node:crypto'
import { Resolutions } from '@countersign/core'
import { describe, expect, it } from 'vitest'
import { cli, json, severalRuns, useClients, useServer } from './cli.js'

/*
 * `countersign runs --search` and the decisions beside a run's status, as a child process against
 * the fixture server in another.
 */

const server = useServer()
const clientOf = useClients(server)

describe('countersign runs', severalRuns, () => {
  it('--search (-q) lists only the runs whose input holds the text; a rejected call shows beside the status', async () => {
    const alice = clientOf('alice')
    const tag = `parcel${randomBytes(4).toString('hex')}`
    const rejected = await alice.runs.start('assistant', `Move 100 for ${tag}`)
    await alice.runs.continue(rejected.runId, [Resolutions.reject(rejected.activeRequirementIds[0]!, 'no')])
    const paused = await alice.runs.start('assistant', `Move 7 for ${tag}`)
    await alice.runs.start('assistant', 'Move 100 for someone else')

    const listed = await cli(['runs', '-q', tag.toUpperCase()], { server: server(), as: 'alice' })
    expect(listed.code).toBe(0)
    expect(listed.lines[0]).toMatch(/^RUN\s+DEFINITION\s+STATUS\s+WAITING\s+UPDATED\s+ANSWER$/)
    expect(listed.lines.slice(1, -1)).toStrictEqual([
      expect.stringMatching(new RegExp(`^${paused.runId}\\s+assistant\\s+paused\\s+1\\s`)),
      expect.stringMatching(new RegExp(`^${rejected.runId}\\s+assistant\\s+completed · 1 rejected\\s+0\\s`)),
    ])
    expect(listed.lines.at(-1)).toBe('2 of 2 runs')

    const asJson = json<{ runs: Array<{ runId: string; decisions?: unknown }>; total: number }>(
      await cli(['runs', '--search', tag, '--json'], { server: server(), as: 'alice' }),
    )
    expect(asJson.total).toBe(2)
    expect(asJson.runs.find(({ runId }) => runId === rejected.runId)?.decisions).toStrictEqual({
      approved: 0,
      edited: 0,
      rejected: 1,
      expired: 0,
    })
  })

  it("bob's search for alice's text lists nothing", async () => {
    const tag = `secret${randomBytes(4).toString('hex')}`
    await clientOf('alice').runs.start('assistant', `Move 100, code ${tag}`)
    const listed = await cli(['runs', '-q', tag], { server: server(), as: 'bob' })
    expect(listed.code).toBe(0)
    expect(listed.lines.at(-1)).toBe('0 of 0 runs')
  })

  it('an empty or too long search is a usage error (exit 2), sent to no server', async () => {
    for (const search of ['', 'x'.repeat(201)]) {
      const ended = await cli(['runs', '--search', search], { server: server(), as: 'alice' })
      expect(ended.code).toBe(2)
      expect(ended.stderr).toContain('Give 1 to 200 characters.')
    }
  })
})
