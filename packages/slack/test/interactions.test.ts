import { fileURLToPath } from 'node:url'
import { createClient, type CountersignClient, type RunView } from '@countersign/client'
import {
  type ServerProcess,
  startServerProcess,
  tokenOf,
  type FixtureUser,
} from '@countersign/server/testing'
import { startSlackWire, type SlackWire, type StoredMessage, type Tampering } from '@countersign/slack-wire'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { slackUsers } from './fixtures.js'

const entry = fileURLToPath(new URL('./servers/countersign.ts', import.meta.url))

let wire: SlackWire
let server: ServerProcess
let interactions: string

beforeAll(async () => {
  wire = await startSlackWire({ users: slackUsers })
  server = await startServerProcess(entry, [
    JSON.stringify({ apiUrl: wire.apiUrl, token: wire.token, signingSecret: wire.signingSecret }),
  ])
  interactions = `${server.url}/slack/interactions`
})
afterAll(async () => {
  await Promise.all([...clients.values()].map((client) => client.close()))
  server.kill()
  await server.ended
  await wire.close()
})
beforeEach(() => wire.reset())

const clients = new Map<FixtureUser, CountersignClient>()
/** A client of the server signed in as `user` (one each, closed after the tests). */
const clientOf = (user: FixtureUser) => {
  const client = clients.get(user) ?? createClient({ url: server.url, token: tokenOf(user), WebSocket })
  clients.set(user, client)
  return client
}

/** Starts a run as `user`, which pauses on one requirement. */
const paused = async (user: FixtureUser, agentId: string) => {
  const run = await clientOf(user).runs.start(agentId, 'Go')
  expect(run.status).toBe('paused')
  return run
}

const pendingOf = (run: RunView) =>
  run.requirements.find((requirement) => requirement.id === run.activeRequirementIds[0])!

/** The Slack message the server posted about the run's open requirement. */
const messageFor = (run: RunView): Promise<StoredMessage> => wire.waitForMessage(pendingOf(run).id)

/** The message once it has been updated `count` times (by the server's dispatcher), as text. */
const updated = async (message: StoredMessage, count = 1) =>
  JSON.stringify(await wire.waitForUpdate(message.ts, count))

const click = (message: StoredMessage, user: string, actionId: string, tampering?: Tampering) =>
  wire.click({
    url: interactions,
    user,
    channel: message.channel,
    ts: message.ts,
    actionId,
    ...(tampering === undefined ? {} : { tampering }),
  })

/** Resolves once the run has ended, with it as stored. */
const ended = async (user: FixtureUser, runId: string) => {
  const client = clientOf(user)
  for await (const event of client.runEvents(runId)) void event
  return client.runs.get(runId)
}

/** The run's one requirement as stored now, read by its owner. */
const stored = async (user: FixtureUser, run: RunView) => {
  const now = await clientOf(user).runs.get(run.runId)
  return { status: now.status, requirement: now.requirements.find((each) => each.id === pendingOf(run).id) }
}

/** What the endpoint told people privately, in order. */
const told = async () =>
  (await wire.calls())
    .filter((call) => call.method === 'chat.postEphemeral')
    .map((call) => [call.args['user'], call.args['text']])

describe('approving from Slack', () => {
  it("an approver's Approve click decides the approval as them, and the run goes on", async () => {
    const run = await paused('alice', 'finance')
    const message = await messageFor(run)
    const sent = await click(message, 'U0ANN', 'countersign_approve')
    expect(sent.response).toMatchObject({ status: 200, body: '' })
    const done = await ended('alice', run.runId)
    expect(done).toMatchObject({ status: 'completed', toolExecutions: [{ result: 'refunded 500' }] })
    const approval = await clientOf('ann').approvals.get(pendingOf(run).id)
    expect(approval).toMatchObject({ status: 'approved', resolvedBy: { id: 'ann' } })
    expect(await told()).toEqual([])
    // The dispatcher updates the same message: who decided, and no buttons left but the link.
    const now = await updated(message)
    expect(now).toContain(':white_check_mark: *Approved* by ann')
    expect(now).not.toContain('countersign_approve')
  })

  it('the message says so when the approval is decided elsewhere (the panel, the CLI, the API)', async () => {
    const run = await paused('alice', 'finance')
    const message = await messageFor(run)
    expect(JSON.stringify(message.blocks)).toContain('Approval needed: process_refund')
    await clientOf('ann').approvals.decide(pendingOf(run).id, { approved: false, note: 'Not this month' })
    const now = await updated(message)
    expect(now).toContain(':x: *Rejected* by ann: “Not this month”')
    expect(now).toContain(`http://panel.test/#/runs/${run.runId}/${pendingOf(run).id}`)
  })

  it('the message says the approval expired when nobody decided in time', async () => {
    const run = await paused('alice', 'expiring')
    const message = await messageFor(run)
    expect(await updated(message)).toContain(':hourglass: *Expired*')
    expect(await clientOf('ann').approvals.get(pendingOf(run).id)).toMatchObject({ status: 'expired' })
  })

  it('Reject opens a modal for the note; submitting it rejects with the note', async () => {
    const run = await paused('alice', 'finance')
    const message = await messageFor(run)
    expect((await click(message, 'U0ANN', 'countersign_reject')).response.status).toBe(200)
    const [view] = await wire.waitForViews(1)
    expect(view).toMatchObject({ user: 'U0ANN', view: { callback_id: 'countersign_reject' } })
    const submitted = await wire.submit({
      url: interactions,
      user: 'U0ANN',
      viewId: view!.id,
      values: { note: 'Too much' },
    })
    expect(submitted.response).toMatchObject({ status: 200, body: '' })
    expect(await ended('alice', run.runId)).toMatchObject({ status: 'completed' })
    expect(await clientOf('ann').approvals.get(pendingOf(run).id)).toMatchObject({
      status: 'rejected',
      resolvedBy: { id: 'ann' },
      note: 'Too much',
    })
    expect(await updated(message)).toContain(':x: *Rejected* by ann: “Too much”')
  })
})

describe('answering from Slack', () => {
  it('Fill in opens the form generated from the fields; a wrong value is shown under its field and changes nothing', async () => {
    const run = await paused('alice', 'booking')
    const message = await messageFor(run)
    await click(message, 'U0ALICE', 'countersign_fill')
    const [view] = await wire.waitForViews(1)
    type Input = {
      readonly type: string
      readonly block_id: string
      readonly optional: boolean
      readonly label: { readonly text: string }
      readonly element: { readonly type: string }
    }
    const blocks = view!.view['blocks'] as ReadonlyArray<Input>
    const inputs = blocks.filter((block) => block.type === 'input')
    expect(
      inputs.map((block) => [block.block_id, block.label.text, block.optional, block.element.type]),
    ).toEqual([
      ['field_0', 'guests', false, 'number_input'],
      ['field_1', 'seating', false, 'plain_text_input'],
    ])
    const wrong = await wire.submit({
      url: interactions,
      user: 'U0ALICE',
      viewId: view!.id,
      values: { field_0: 'many', field_1: null },
    })
    expect(wrong.response.json).toEqual({
      response_action: 'errors',
      errors: { field_0: 'This is not a number', field_1: 'seating is required' },
    })
    expect(await stored('alice', run)).toMatchObject({ status: 'paused', requirement: { isResolved: false } })
    const right = await wire.submit({
      url: interactions,
      user: 'U0ALICE',
      viewId: view!.id,
      values: { field_0: '4', field_1: 'outside' },
    })
    expect(right.response).toMatchObject({ status: 200, body: '' })
    expect(await ended('alice', run.runId)).toMatchObject({
      status: 'completed',
      toolExecutions: [{ result: 'booked Noma for 4, outside' }],
    })
    expect(await updated(message)).toContain(':memo: *Answered* by alice')
  })

  it('Hand back result takes the result of a call carried out elsewhere', async () => {
    const run = await paused('alice', 'deployer')
    const message = await messageFor(run)
    await click(message, 'U0ALICE', 'countersign_result')
    const [view] = await wire.waitForViews(1)
    const neither = await wire.submit({ url: interactions, user: 'U0ALICE', viewId: view!.id, values: {} })
    expect(neither.response.json).toMatchObject({
      response_action: 'errors',
    })
    expect(Object.keys((neither.response.json as { errors: object }).errors)).toEqual(['result'])
    await wire.submit({
      url: interactions,
      user: 'U0ALICE',
      viewId: view!.id,
      values: { result: '{"version":"1.2.3"}' },
    })
    expect(await ended('alice', run.runId)).toMatchObject({
      status: 'completed',
      toolExecutions: [{ result: { version: '1.2.3' } }],
    })
    expect(await updated(message)).toContain(':leftwards_arrow_with_hook: *Result handed back* by alice')
  })

  it("confirms a call of one's own run; someone else's run is not theirs to confirm", async () => {
    const run = await paused('alice', 'assistant')
    const message = await messageFor(run)
    await click(message, 'U0ANN', 'countersign_approve')
    expect(await stored('alice', run)).toMatchObject({ status: 'paused', requirement: { isResolved: false } })
    expect(await told()).toEqual([['U0ANN', expect.stringMatching(/^Not done: No run with id/)]])
    await click(message, 'U0ALICE', 'countersign_approve')
    expect(await ended('alice', run.runId)).toMatchObject({
      status: 'completed',
      toolExecutions: [{ result: 'moved 100' }],
    })
  })
})

describe('refused at the endpoint: nothing changes', () => {
  const stillPending = async (run: RunView) => {
    expect(await stored('alice', run)).toMatchObject({ status: 'paused', requirement: { isResolved: false } })
    expect(await clientOf('root').approvals.get(pendingOf(run).id)).toMatchObject({ status: 'pending' })
  }

  it('a forged signature, a missing one, and a replayed old timestamp are refused with a typed error', async () => {
    const run = await paused('alice', 'finance')
    const message = await messageFor(run)
    const refusal = (reason: string) => ({
      status: 401,
      json: {
        error: { _tag: 'SlackRequestRefused', message: `Refused a request not signed by Slack (${reason})` },
      },
    })
    expect(
      (await click(message, 'U0ANN', 'countersign_approve', { signature: 'forged' })).response,
    ).toMatchObject(refusal('signature-mismatch'))
    expect(
      (await click(message, 'U0ANN', 'countersign_approve', { signature: 'missing' })).response,
    ).toMatchObject(refusal('signature-missing'))
    expect(
      (await click(message, 'U0ANN', 'countersign_approve', { withoutTimestamp: true })).response,
    ).toMatchObject(refusal('timestamp-missing'))
    // Signed correctly, six minutes ago: a captured request replayed.
    expect(
      (await click(message, 'U0ANN', 'countersign_approve', { timestampOffsetSeconds: -360 })).response,
    ).toMatchObject(refusal('timestamp-stale'))
    await stillPending(run)
  })

  it('a signed body that is not an interaction payload is refused as invalid', async () => {
    const run = await paused('alice', 'finance')
    const sent = await wire.post(interactions, { type: 'block_actions', user: { id: 'U0ANN' } })
    expect(sent.response).toMatchObject({ status: 400, json: { error: { _tag: 'SlackPayloadInvalid' } } })
    const forged = await wire.post(interactions, {
      type: 'block_actions',
      user: { id: 'U0ANN' },
      trigger_id: 't',
      actions: [{ action_id: 'countersign_approve', value: 'not json' }],
    })
    expect(forged.response).toMatchObject({ status: 400, json: { error: { _tag: 'SlackPayloadInvalid' } } })
    await stillPending(run)
  })

  it('a Slack user linked to nobody is told so, and opens no modal', async () => {
    const run = await paused('alice', 'finance')
    const message = await messageFor(run)
    await click(message, 'U0STRANGER', 'countersign_approve')
    await click(message, 'U0STRANGER', 'countersign_reject')
    expect(await told()).toEqual([
      ['U0STRANGER', 'Not done: Your Slack account (U0STRANGER) is not linked to anyone in Countersign'],
      ['U0STRANGER', 'Not done: Your Slack account (U0STRANGER) is not linked to anyone in Countersign'],
    ])
    expect(await wire.views()).toEqual([])
    await stillPending(run)
  })

  it('an approver may not approve their own call, a user without the role may not approve, nor an approver what is for admins', async () => {
    const own = await paused('grace', 'finance')
    await click(await messageFor(own), 'U0GRACE', 'countersign_approve')
    expect(await clientOf('root').approvals.get(pendingOf(own).id)).toMatchObject({ status: 'pending' })

    const run = await paused('alice', 'finance')
    await click(await messageFor(run), 'U0ALICE', 'countersign_approve')
    await stillPending(run)

    const wire9000 = await paused('alice', 'treasury')
    const message = await messageFor(wire9000)
    await click(message, 'U0ANN', 'countersign_approve')
    await stillPending(wire9000)
    const refusals = await told()
    expect(refusals.map(([user]) => user)).toEqual(['U0GRACE', 'U0ALICE', 'U0ANN'])
    expect(refusals[0]![1]).toMatch(/^Not done: .*(own|self)/i)
    expect(refusals[1]![1]).toMatch(/^Not done: .*role/i)
    expect(refusals[2]![1]).toMatch(/^Not done: /)
    // An admin may: the same button, the same endpoint.
    await click(message, 'U0ROOT', 'countersign_approve')
    expect(await ended('alice', wire9000.runId)).toMatchObject({
      status: 'completed',
      toolExecutions: [{ result: 'wired 9000' }],
    })
  })

  it('a rejection submitted in the modal by someone the approval is not for is shown in the modal, and changes nothing', async () => {
    const run = await paused('alice', 'treasury')
    await click(await messageFor(run), 'U0ANN', 'countersign_reject')
    const [view] = await wire.waitForViews(1)
    const submitted = await wire.submit({
      url: interactions,
      user: 'U0ANN',
      viewId: view!.id,
      values: { note: 'No' },
    })
    const { response_action, errors } = submitted.response.json as {
      response_action: string
      errors: Record<string, string>
    }
    expect(response_action).toBe('errors')
    expect(Object.keys(errors)).toEqual(['note'])
    expect(errors['note']).toMatch(/ann/)
    await stillPending(run)
  })

  it('a click replayed after the decision changes nothing', async () => {
    const run = await paused('alice', 'finance')
    const message = await messageFor(run)
    const first = await click(message, 'U0ANN', 'countersign_approve')
    await ended('alice', run.runId)
    const again = await wire.replay(first.index)
    expect(again.response.status).toBe(200)
    expect(await told()).toEqual([
      ['U0ANN', expect.stringMatching(/^Not done: .*(already|resolved|decided)/i)],
    ])
    expect(await clientOf('ann').approvals.get(pendingOf(run).id)).toMatchObject({
      status: 'approved',
      resolvedBy: { id: 'ann' },
    })
  })
})
