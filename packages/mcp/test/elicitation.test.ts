import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createClient, errorOf } from '@countersign/client'
import { startServerProcess, tokenOf, type ServerProcess } from '@countersign/server/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'

/*
 * The "everything" reference server asks the person for a form half-way through a call
 * (`elicitation/create`): the run pauses on it as on any user input, is answered through the
 * Countersign server's API, and the call completes with that answer.
 */

const entry = fileURLToPath(new URL('./servers/countersign.ts', import.meta.url))
let server: ServerProcess
beforeAll(async () => {
  server = await startServerProcess(entry)
})
afterAll(async () => {
  server.kill('SIGTERM')
  await server.ended
})

const clientOf = () => createClient({ url: server.url, token: tokenOf('alice'), WebSocket })

const lastToolResult = (run: { messages: ReadonlyArray<{ _tag: string; content?: string }> }) =>
  run.messages.findLast((message) => message._tag === 'Tool')?.content ?? ''

const pausedOnQuestion = async (client: ReturnType<typeof clientOf>) => {
  const run = await client.runs.start('profile', 'Fill in my profile')
  expect(run.status).toBe('paused')
  const question = run.requirements.find((requirement) => !requirement.isResolved)!
  return { run, question }
}

describe("an MCP server's question during a call", () => {
  it('pauses the run on a user-input form, and the call completes with the answer given through the API', async () => {
    const client = clientOf()
    try {
      const { run, question } = await pausedOnQuestion(client)
      expect(question.kind).toBe('mcp_elicitation')
      expect((question.request as { message: string }).message).toBe(
        'Please provide inputs for the following fields:',
      )
      // What the control panel and the CLI render a form from.
      const fields = new Map(question.userInputSchema?.map((field) => [field.name, field]))
      expect(fields.get('response')).toMatchObject({
        required: true,
        value: 'accept',
        allowedValues: ['accept', 'decline', 'cancel'],
      })
      expect(fields.get('name')).toMatchObject({
        type: 'string',
        description: 'String; Your full, legal name',
      })
      expect(fields.get('integer')).toMatchObject({ type: 'integer', value: 42 })
      expect(fields.get('untitledSingleSelectEnum')?.allowedValues).toContain('Monica')
      expect(fields.get('titledSingleSelectEnum')?.description).toContain('hero-1 = Superman')
      expect(fields.get('untitledMultipleSelectEnum')).toMatchObject({ type: 'array', value: ['Guitar'] })
      expect(fields.get('untitledMultipleSelectEnum')?.description).toContain('a list of: Guitar, Piano')
      const awaiting = await client.runs.awaitingMe()
      expect(JSON.stringify(awaiting)).toContain(question.id)

      const done = await client.runs.continue(run.runId, [
        {
          requirementId: question.id,
          value: { values: { name: 'Ada Lovelace', check: true, email: 'ada@example.com' } },
        },
      ])
      expect(done.status).toBe('completed')
      const result = lastToolResult(done)
      expect(result).toContain('- Name: Ada Lovelace')
      expect(result).toContain('- Email: ada@example.com')
      // The form's defaults were sent with the answers the person gave.
      expect(result).toContain('- Favorite Integer: 42')
    } finally {
      await client.close()
    }
  })

  it('refuses an answer outside the server’s schema with a typed error, and the run waits on', async () => {
    const client = clientOf()
    try {
      const { run, question } = await pausedOnQuestion(client)
      for (const values of [
        { name: 'Ada', integer: 500 },
        { name: 'Ada', email: 'not-an-address' },
        { integer: 7 },
        { name: 'Ada', untitledSingleSelectEnum: 'Gunther' },
        { name: 'Ada', isAdmin: true },
      ]) {
        const error = await client.runs
          .continue(run.runId, [{ requirementId: question.id, value: { values } }])
          .catch((cause: unknown) => cause)
        expect(errorOf(error)?._tag).toBe('InvalidResolution')
      }
      expect((await client.runs.get(run.runId)).status).toBe('paused')
      const done = await client.runs.continue(run.runId, [
        { requirementId: question.id, value: { values: { name: 'Ada' } } },
      ])
      expect(lastToolResult(done)).toContain('- Name: Ada')
    } finally {
      await client.close()
    }
  })

  it('sends a decline, with no content, when the person declines', async () => {
    const client = clientOf()
    try {
      const { run, question } = await pausedOnQuestion(client)
      const done = await client.runs.continue(run.runId, [
        { requirementId: question.id, value: { values: { response: 'decline', name: 'not sent' } } },
      ])
      expect(done.status).toBe('completed')
      expect(lastToolResult(done)).toContain('User declined to provide the requested information.')
      expect(lastToolResult(done)).not.toContain('not sent')
    } finally {
      await client.close()
    }
  })

  it('keeps another user out: only the run’s owner answers its question', async () => {
    const client = clientOf()
    const bob = createClient({ url: server.url, token: tokenOf('bob'), WebSocket })
    try {
      const { run, question } = await pausedOnQuestion(client)
      const error = await bob.runs
        .continue(run.runId, [{ requirementId: question.id, value: { values: { name: 'Mallory' } } }])
        .catch((cause: unknown) => cause)
      expect(errorOf(error)?._tag).toMatch(/NotAllowed|RunNotFound|Forbidden/)
      expect((await client.runs.get(run.runId)).status).toBe('paused')
    } finally {
      await client.close()
      await bob.close()
    }
  })
})

describe('a question outstanding when its process dies', () => {
  it('is answered to a new process: the call was interrupted, and is asked about like any other', async () => {
    const database = join(mkdtempSync(join(tmpdir(), 'countersign-mcp-')), 'runs.db')
    const first = await startServerProcess(entry, ['sqlite', database])
    const alice = createClient({ url: first.url, token: tokenOf('alice'), WebSocket })
    const run = await alice.runs.start('profile', 'Fill in my profile')
    const question = run.requirements.find((requirement) => !requirement.isResolved)!
    expect(question.kind).toBe('mcp_elicitation')
    await alice.close()
    first.kill('SIGKILL')
    await first.ended

    const second = await startServerProcess(entry, ['sqlite', database])
    const client = createClient({ url: second.url, token: tokenOf('alice'), WebSocket })
    try {
      const interrupted = await client.runs.continue(run.runId, [
        { requirementId: question.id, value: { values: { name: 'Ada' } } },
      ])
      expect(interrupted.status).toBe('paused')
      const again = interrupted.requirements.find((requirement) => !requirement.isResolved)!
      expect(again.kind).toBe('interrupted_call')
      expect((again.request as { message: string }).message).toMatch(/was waiting for this answer/)
      // Run again: the server asks anew, and this time the answer reaches it.
      const asked = await client.runs.continue(run.runId, [
        { requirementId: again.id, value: { approved: true } },
      ])
      const fresh = asked.requirements.find((requirement) => !requirement.isResolved)!
      expect(fresh.kind).toBe('mcp_elicitation')
      const done = await client.runs.continue(run.runId, [
        { requirementId: fresh.id, value: { values: { name: 'Ada' } } },
      ])
      expect(done.status).toBe('completed')
      expect(lastToolResult(done)).toContain('- Name: Ada')
    } finally {
      await client.close()
      second.kill('SIGTERM')
      await second.ended
      rmSync(dirname(database), { recursive: true, force: true })
    }
  })
})
