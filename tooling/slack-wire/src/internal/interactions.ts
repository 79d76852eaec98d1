import { createHmac } from 'node:crypto'
import type { InteractionResponse, SentInteraction, Tampering } from '../records.js'
import { nextId, type Workspace } from './api.js'

/** Slack's request signature: `v0=` and the hex HMAC-SHA256 of `v0:{timestamp}:{body}` with the signing secret. */
export const signature = (secret: string, timestamp: string, body: string) =>
  `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`

const userOf = (workspace: Workspace, userId: string) => {
  const user = workspace.config.users.find((each) => each.id === userId)
  if (user === undefined) throw new Error(`slack-wire: no user ${userId} in the workspace`)
  return { id: user.id, username: user.name, name: user.name, team_id: workspace.config.teamId }
}

const team = (workspace: Workspace) => ({ id: workspace.config.teamId, domain: 'wire' })

/** A trigger id, good for one `views.open` for this user (Slack's last 3 seconds; the wire's, until used). */
const trigger = (workspace: Workspace, userId: string) => {
  const id = `${Date.now()}.${workspace.config.teamId}.${nextId(workspace, 't')}`
  workspace.triggers.set(id, userId)
  return id
}

type Element = Readonly<Record<string, unknown>>

const elementsOf = (block: Readonly<Record<string, unknown>>): ReadonlyArray<Element> => {
  if (Array.isArray(block['elements'])) return block['elements'] as ReadonlyArray<Element>
  const accessory = block['accessory']
  return typeof accessory === 'object' && accessory !== null ? [accessory as Element] : []
}

/**
 * The `block_actions` payload of a click on a button of a message, as Slack sends it: the button
 * must be in the message as it stands (Slack only sends clicks on what it shows).
 */
export const blockActions = (
  workspace: Workspace,
  click: { readonly user: string; readonly channel: string; readonly ts: string; readonly actionId: string },
) => {
  const message = workspace.messages.find((each) => each.channel === click.channel && each.ts === click.ts)
  if (message === undefined) throw new Error(`slack-wire: no message ${click.channel}/${click.ts}`)
  const found = message.blocks.flatMap((block) =>
    elementsOf(block)
      .filter((element) => element['type'] === 'button' && element['action_id'] === click.actionId)
      .map((element) => ({ block, element })),
  )[0]
  if (found === undefined)
    throw new Error(`slack-wire: the message ${click.ts} has no button "${click.actionId}" now`)
  const actionTs = `${Date.now() / 1000}`
  return {
    type: 'block_actions',
    user: userOf(workspace, click.user),
    api_app_id: workspace.config.appId,
    token: 'verification-token-deprecated',
    container: { type: 'message', message_ts: message.ts, channel_id: message.channel, is_ephemeral: false },
    trigger_id: trigger(workspace, click.user),
    team: team(workspace),
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: message.channel, name: message.channel.startsWith('D') ? 'directmessage' : 'approvals' },
    message: {
      type: 'message',
      subtype: 'bot_message',
      text: message.text,
      ts: message.ts,
      bot_id: 'B0WIREBOT',
      blocks: message.blocks,
    },
    state: { values: {} },
    response_url: `https://hooks.slack.test/actions/${workspace.config.teamId}/${message.ts}`,
    actions: [
      {
        type: 'button',
        action_id: found.element['action_id'],
        block_id: found.block['block_id'],
        text: found.element['text'],
        ...(found.element['value'] === undefined ? {} : { value: found.element['value'] }),
        ...(found.element['style'] === undefined ? {} : { style: found.element['style'] }),
        action_ts: actionTs,
      },
    ],
  }
}

/** What a person typed or picked in one input block of a modal (null: left empty). */
export type InputValue = string | null

/** One input's state as Slack reports it, shaped by its element's type. */
const inputState = (element: Element, value: InputValue) => {
  const type = element['type']
  if (type === 'static_select') {
    const options = (element['options'] ?? []) as ReadonlyArray<{ readonly value: string }>
    const selected = value === null ? undefined : options.find((option) => option.value === value)
    if (value !== null && selected === undefined)
      throw new Error(`slack-wire: "${value}" is not an option of ${String(element['action_id'])}`)
    return { type, selected_option: selected ?? null }
  }
  if (type === 'checkboxes') {
    const options = (element['options'] ?? []) as ReadonlyArray<{ readonly value: string }>
    return { type, selected_options: options.filter((option) => option.value === value) }
  }
  return { type, value }
}

/**
 * The `view_submission` payload of a modal submitted with these inputs (by block id), as Slack
 * sends it: the view as stored, with `state.values` keyed by block and action ids.
 */
export const viewSubmission = (
  workspace: Workspace,
  submit: {
    readonly user: string
    readonly viewId: string
    readonly values: Readonly<Record<string, InputValue>>
  },
) => {
  const stored = workspace.views.find((each) => each.id === submit.viewId)
  if (stored === undefined) throw new Error(`slack-wire: no open view ${submit.viewId}`)
  const blocks = (stored.view['blocks'] ?? []) as ReadonlyArray<Readonly<Record<string, unknown>>>
  const values: Record<string, Record<string, unknown>> = {}
  for (const block of blocks) {
    if (block['type'] !== 'input') continue
    const element = block['element'] as Element
    const blockId = String(block['block_id'])
    const value = Object.hasOwn(submit.values, blockId) ? submit.values[blockId]! : null
    values[blockId] = { [String(element['action_id'])]: inputState(element, value) }
  }
  for (const blockId of Object.keys(submit.values))
    if (!Object.hasOwn(values, blockId)) throw new Error(`slack-wire: the view has no input "${blockId}"`)
  return {
    type: 'view_submission',
    team: team(workspace),
    user: userOf(workspace, submit.user),
    api_app_id: workspace.config.appId,
    token: 'verification-token-deprecated',
    trigger_id: trigger(workspace, submit.user),
    view: { ...stored.view, state: { values } },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  }
}

const readResponse = async (response: Response): Promise<InteractionResponse> => {
  const body = await response.text()
  let json: unknown
  try {
    json = body === '' ? undefined : JSON.parse(body)
  } catch {
    json = undefined
  }
  return { status: response.status, body, json }
}

/** POSTs bytes with headers to the receiver, and records it. */
export const send = async (
  sent: Array<SentInteraction>,
  url: string,
  headers: Record<string, string>,
  body: string,
  payload: Record<string, unknown>,
): Promise<SentInteraction> => {
  const response = await readResponse(await fetch(url, { method: 'POST', headers, body }))
  const record = { index: sent.length, url, headers, body, payload, response }
  sent.push(record)
  return record
}

/**
 * Posts a payload the way Slack does: form-encoded `payload=<JSON>`, signed with the app's signing
 * secret over the timestamp and the exact body — or tampered with as asked.
 */
export const postInteraction = (
  workspace: Workspace,
  sent: Array<SentInteraction>,
  url: string,
  payload: Record<string, unknown>,
  tampering: Tampering = {},
) => {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString()
  const timestamp = String(Math.floor(Date.now() / 1000) + (tampering.timestampOffsetSeconds ?? 0))
  const secret = tampering.signature === 'forged' ? 'not-the-signing-secret' : workspace.config.signingSecret
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    ...(tampering.withoutTimestamp === true ? {} : { 'x-slack-request-timestamp': timestamp }),
    ...(tampering.signature === 'missing' ? {} : { 'x-slack-signature': signature(secret, timestamp, body) }),
  }
  return send(sent, url, headers, body, payload)
}
