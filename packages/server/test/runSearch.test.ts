import { randomBytes } from 'node:crypto'
import { maxRunSearchLength, Resolutions } from '@countersign/core'
import { describe, expect, it } from 'vitest'
import { failure, useClients } from './harness.js'
import { ferretDb, sqliteFile, useServerOn } from './stores.js'

/*
 * Runs that can be scanned (issue 22, point 4), over the wire: `runs.list` searches the caller's
 * runs only, takes its text literally, and shows how each run's decisions went.
 */

describe.each([sqliteFile, ferretDb])('runs.list search and decisions on $name', (store) => {
  const server = useServerOn(store)
  const as = useClients(server)
  const word = () => `word${randomBytes(4).toString('hex')}`
  const ids = (page: { readonly runs: ReadonlyArray<{ readonly runId: string }> }) =>
    page.runs.map(({ runId }) => runId)

  it("finds the caller's runs by input, answer, definition or id prefix, in any case, with the total", async () => {
    const alice = as('alice')
    const secret = word()
    const byInput = await alice.runs.start.mutate({ agentId: 'assistant', input: `Move 100 for ${secret}` })
    const other = await alice.runs.start.mutate({ agentId: 'assistant', input: `Move 100 elsewhere` })
    const byAnswer = await alice.runs.continue.mutate({
      runId: other.runId,
      resolutions: [Resolutions.confirm(other.activeRequirementIds[0]!)],
    })
    expect(byAnswer.content).toContain('moved 100')

    const found = await alice.runs.list.query({ search: secret.toUpperCase() })
    expect([ids(found), found.total]).toStrictEqual([[byInput.runId], 1])
    expect(ids(await alice.runs.list.query({ search: byAnswer.runId.slice(0, 13).toUpperCase() }))).toContain(
      byAnswer.runId,
    )
    expect(
      ids(await alice.runs.list.query({ search: 'MOVED 100', status: 'completed', limit: 100 })),
    ).toContain(byAnswer.runId)
    expect(
      (await alice.runs.list.query({ search: 'Assist', limit: 100 })).runs.every(
        ({ agentId }) => agentId === 'assistant',
      ),
    ).toBe(true)
  })

  it("an attacker's search finds nothing of another user's runs; an admin's finds everyone's", async () => {
    const secret = word()
    const alices = await as('alice').runs.start.mutate({
      agentId: 'assistant',
      input: `Move 100, PIN ${secret}`,
    })
    const bob = as('bob')
    for (const search of [secret, alices.runId, alices.runId.slice(0, 8), '%', '_', '.*'])
      expect(ids(await bob.runs.list.query({ search, limit: 100 }))).not.toContain(alices.runId)
    expect(await bob.runs.list.query({ search: secret })).toStrictEqual({
      runs: [],
      total: 0,
      totalExact: true,
    })
    expect(ids(await as('root').runs.list.query({ search: secret }))).toStrictEqual([alices.runId])
  })

  it('takes % _ .* ( literally: they match themselves, not everything', async () => {
    const alice = as('alice')
    const tag = word()
    const literal = await alice.runs.start.mutate({ agentId: 'assistant', input: `${tag} 100%_(.*)` })
    await alice.runs.start.mutate({ agentId: 'assistant', input: `${tag} 100 percent` })
    for (const search of [`${tag} 100%`, `${tag} 100%_`, `${tag} 100%_(.*)`])
      expect([search, ids(await alice.runs.list.query({ search }))]).toStrictEqual([search, [literal.runId]])
    for (const search of [`${tag}%`, `${tag}_100`, `${tag}.*`, `${tag} 100 (`])
      expect([search, (await alice.runs.list.query({ search })).total]).toStrictEqual([search, 0])
  })

  it('a search that is empty, too long or not text is BAD_REQUEST, and nothing is listed', async () => {
    const alice = as('alice')
    for (const search of ['', 'x'.repeat(maxRunSearchLength + 1), 42 as never])
      expect(await failure(alice.runs.list.query({ search }))).toMatchObject({
        code: 'BAD_REQUEST',
        error: { _tag: 'InvalidRequest' },
      })
  })

  it('a run whose call was rejected lists as completed with its decisions: one rejected', async () => {
    const alice = as('alice')
    const tag = word()
    const paused = await alice.runs.start.mutate({ agentId: 'assistant', input: `Move 100 ${tag}` })
    const [listedPaused] = (await alice.runs.list.query({ search: tag })).runs
    expect(listedPaused).toMatchObject({ status: 'paused' })
    expect(listedPaused?.decisions).toBeUndefined()
    const done = await alice.runs.continue.mutate({
      runId: paused.runId,
      resolutions: [Resolutions.reject(paused.activeRequirementIds[0]!, 'not today')],
    })
    expect(done.status).toBe('completed')
    const [listed] = (await alice.runs.list.query({ search: tag })).runs
    expect(listed).toMatchObject({
      runId: paused.runId,
      status: 'completed',
      decisions: { approved: 0, edited: 0, rejected: 1, expired: 0 },
    })
  })
})
