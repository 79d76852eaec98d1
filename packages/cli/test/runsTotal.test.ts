import { countLimit } from '@countersign/core'
import { describe, expect, it } from 'vitest'
import { cli, severalRuns, useClients, useServer } from './cli.js'

/*
 * `countersign runs` when more runs match than the server counts for a page: the total it prints
 * is where the count stopped, marked as a lower bound. A server of its own: its runs are this file's.
 */

const server = useServer()
const clientOf = useClients(server)

describe('countersign runs, past the count limit', severalRuns, () => {
  it('prints "N of M+ runs" when the total is a lower bound, and "N of M runs" when a deeper page counts them all', async () => {
    const bob = clientOf('bob')
    const started = countLimit({ offset: 0, limit: 1 }) + 2
    for (let batch = 0; batch < started; batch += 50)
      await Promise.all(
        Array.from({ length: Math.min(50, started - batch) }, () => bob.runs.start('assistant', 'Move 7')),
      )

    const first = await cli(['runs', '--limit', '1'], { server: server(), as: 'bob' })
    expect(first.code).toBe(0)
    expect(first.lines.at(-1)).toBe(`1 of ${countLimit({ offset: 0, limit: 1 })}+ runs`)
    const deep = await cli(['runs', '--limit', '1', '--offset', String(started - 1)], {
      server: server(),
      as: 'bob',
    })
    expect(deep.lines.at(-1)).toBe(`1 of ${started} runs`)
    // Another user's listing counts their runs only, exactly.
    expect((await cli(['runs'], { server: server(), as: 'alice' })).lines.at(-1)).toBe('0 of 0 runs')
  })
})
