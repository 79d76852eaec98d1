import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fixtureServerEntry, type ServerProcess, startServerProcess } from '../src/testing/index.js'
import { rawSocket } from './harness.js'
import { ferretDb, sqliteFile } from './stores.js'

/*
 * JSON input is nested at most `maxJsonDepth` levels (32 by default, the fixture server's): a
 * deeper request is a 400 NestingTooDeep before any schema or store sees it, over HTTP, WebSocket
 * and REST, on SQLite and on the MongoDB protocol (FerretDB). Before the bound, ~1,500 levels
 * failed in the store with a 500 and ~5,000 answered a RangeError's stack trace with the server's
 * file paths.
 */

const maxDepth = 32

/** `levels` objects nested one in another, as JSON text (built as text: no stack is needed to make it). */
const nested = (levels: number) => '{"a":'.repeat(levels) + 'true' + '}'.repeat(levels)

/** No stack frame, no source file path. */
const traceFree = (text: string) => {
  expect(text).not.toMatch(/\n\s*at\s/)
  expect(text).not.toMatch(/\.(?:ts|js):\d+/)
  expect(text).not.toContain('RangeError')
}

describe.each([sqliteFile, ferretDb])('JSON nesting on $name', (store) => {
  let server: ServerProcess
  let directory: string
  let dispose: () => Promise<void> = async () => {}

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'countersign-nesting-'))
    const opened = await store.open(directory)
    dispose = opened.dispose
    server = await startServerProcess(fixtureServerEntry, opened.args)
  }, 120_000)

  afterAll(async () => {
    server.kill()
    await server.ended
    await dispose()
    rmSync(directory, { recursive: true, force: true })
  })

  const post = async (path: string, token: string, body: string) => {
    const response = await fetch(`${server.url}/${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
    })
    return { status: response.status, text: await response.text() }
  }

  const pausedRun = async (agentId: string) => {
    const { text } = await post('runs.start', 'alice-token', JSON.stringify({ agentId, input: 'Go' }))
    return (JSON.parse(text) as { result: { data: { runId: string; activeRequirementIds: Array<string> } } })
      .result.data
  }

  const getRun = async (runId: string) => {
    const input = encodeURIComponent(JSON.stringify({ runId }))
    const response = await fetch(`${server.url}/runs.get?input=${input}`, {
      headers: { authorization: 'Bearer alice-token' },
    })
    return (await response.json()) as { result: { data: { status: string } } }
  }

  /** A continue confirming the run's requirement with `data` nested `levels` deep: 4 levels of its own around it. */
  const continueWith = (run: { runId: string; activeRequirementIds: Array<string> }, levels: number) =>
    post(
      'runs.continue',
      'alice-token',
      `{"runId":"${run.runId}","resolutions":[{"requirementId":"${run.activeRequirementIds[0]}","value":{"approved":true,"data":${nested(levels)}}}]}`,
    )

  it('input at the bound is stored; one level deeper is 400 NestingTooDeep and changes nothing', async () => {
    const within = await pausedRun('assistant')
    const stored = await continueWith(within, maxDepth - 4)
    expect(stored.status).toBe(200)
    expect((await getRun(within.runId)).result.data.status).toBe('completed')

    const beyond = await pausedRun('assistant')
    const refused = await continueWith(beyond, maxDepth - 3)
    expect(refused.status).toBe(400)
    expect(JSON.parse(refused.text)).toMatchObject({
      error: { data: { code: 'BAD_REQUEST', error: { _tag: 'NestingTooDeep', maxDepth } } },
    })
    expect((await getRun(beyond.runId)).result.data.status).toBe('paused')
  })

  it('1,500 and 5,000 levels (once a store failure and a stack trace) are 400 NestingTooDeep, with no trace or path', async () => {
    for (const levels of [1_500, 5_000]) {
      const run = await pausedRun('assistant')
      const refused = await continueWith(run, levels)
      expect(refused.status).toBe(400)
      expect(JSON.parse(refused.text)).toMatchObject({
        error: { data: { code: 'BAD_REQUEST', error: { _tag: 'NestingTooDeep', maxDepth } } },
      })
      traceFree(refused.text)
      expect((await getRun(run.runId)).result.data.status).toBe('paused')
    }
  })

  it('a deep decision is refused alike over tRPC, REST and WebSocket; the approval stays pending', async () => {
    const run = await pausedRun('finance')
    const approvalId = run.activeRequirementIds[0]!
    const answer = `{"approved":true,"data":${nested(2_000)}}`
    const decided = await post(
      'approvals.decide',
      'ann-token',
      `{"approvalId":"${approvalId}","answer":${answer}}`,
    )
    expect([decided.status, JSON.parse(decided.text)]).toMatchObject([
      400,
      { error: { data: { error: { _tag: 'NestingTooDeep', maxDepth } } } },
    ])
    traceFree(decided.text)

    const rest = await fetch(`${server.url}/api/approvals/${approvalId}/resolve`, {
      method: 'POST',
      headers: { authorization: 'Bearer ann-token', 'content-type': 'application/json' },
      body: answer,
    })
    const restText = await rest.text()
    expect([rest.status, JSON.parse(restText)]).toMatchObject([
      400,
      { error: { _tag: 'NestingTooDeep', maxDepth } },
    ])
    traceFree(restText)

    const { socket, message } = await rawSocket(server, 'ann-token')
    socket.send(
      `{"id":1,"method":"mutation","params":{"path":"approvals.decide","input":{"approvalId":"${approvalId}","answer":${answer}}}}`,
    )
    const answered = await message((received) => received['id'] === 1)
    expect(answered).toMatchObject({
      error: { data: { code: 'BAD_REQUEST', error: { _tag: 'NestingTooDeep', maxDepth } } },
    })
    traceFree(JSON.stringify(answered))
    socket.close()

    const approval = await fetch(`${server.url}/api/approvals/${approvalId}`, {
      headers: { authorization: 'Bearer ann-token' },
    })
    expect(await approval.json()).toMatchObject({ status: 'pending' })
  })
})
