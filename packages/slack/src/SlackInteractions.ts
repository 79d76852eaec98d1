import type { IncomingMessage, ServerResponse } from 'node:http'
import {
  type Countersign,
  type JsonValue,
  Principal,
  type RequirementRecord,
  UserInputField,
} from '@countersign/core'
import { Effect, Either, Option, Schema } from 'effect'
import { SlackPayloadInvalid, SlackRequestRefused, SlackUserUnknown } from './SlackError.js'
import { actionIds, callbackIds, decodeRef, type RequirementRef } from './internal/actions.js'
import {
  answers,
  formModal,
  handedBack,
  rejection,
  rejectModal,
  resultModal,
  type Submission,
} from './internal/modals.js'
import {
  type BlockActions,
  decodeInteraction,
  type SlackUser,
  type ViewSubmission,
} from './internal/payloads.js'
import { verifySignature } from './internal/signature.js'
import { type SlackConnection, slackClient } from './internal/slackApi.js'

/*
 * Slack's interactivity endpoint, as a mount of the Countersign server: it proves each request
 * is Slack's (the signature over the body with the app's signing secret, a timestamp within five
 * minutes), maps the Slack user to a principal, and decides as them — through the server, with
 * the authorisation of every other surface (roles, the approval's rules, no self-approval). A
 * refused request changes nothing.
 */

export type { SlackUser } from './internal/payloads.js'

/** Who a Slack user is in Countersign, as the host knows them; undefined (or null): nobody. */
export type PrincipalInput = typeof Principal.Encoded

export type UserLookup = (
  user: SlackUser,
) => PrincipalInput | null | undefined | Promise<PrincipalInput | null | undefined>

export interface SlackInteractionsOptions extends SlackConnection {
  /** The Slack app's signing secret (Basic Information → App Credentials). */
  readonly signingSecret: string
  /** Slack user id → principal, or a lookup (the user's email through `users.info`, say). */
  readonly users: Readonly<Record<string, PrincipalInput>> | UserLookup
  /** Where on the server's port (default `/slack/interactions`): the app's Interactivity Request URL. */
  readonly path?: string
  /** How far a request's timestamp may be from now, in seconds (default 300, Slack's advice). */
  readonly toleranceSeconds?: number
}

/** What the server calls the mount with (`DeploymentContext` of `@countersign/server`). */
export interface DeploymentContext {
  readonly countersign: Countersign
  readonly decide: (
    principal: Principal,
    decision: { readonly runId: string; readonly requirementId: string; readonly value: JsonValue },
  ) => Promise<void>
  readonly readBody: () => Promise<string>
}

const sendJson = (res: ServerResponse, status: number, body?: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
  res.end(body === undefined ? '' : JSON.stringify(body))
}

/** A refusal as the API answers one: its tag and message, never a stack. */
const sendRefusal = (res: ServerResponse, status: number, error: SlackRequestRefused | SlackPayloadInvalid) =>
  sendJson(res, status, { error: { _tag: error._tag, message: error.message } })

/** What a failure says to the person in Slack: a typed error's own words, nothing of anything else. */
const wordsOf = (error: unknown) =>
  typeof error === 'object' && error !== null && '_tag' in error && error instanceof Error
    ? error.message
    : 'Something went wrong: decide in the Countersign panel instead.'

const decodeForm = Schema.decodeUnknownOption(Schema.Struct({ fields: Schema.Array(UserInputField) }))

/** The form of a requirement answered with user input, as stored. */
const formOf = (requirement: RequirementRecord) =>
  Option.match(decodeForm(requirement.request), { onNone: () => [], onSome: ({ fields }) => fields })

/** The first input of a view: where a refusal that concerns no one input is shown. */
const firstInput = (view: ViewSubmission['view']) =>
  view.blocks.find((block) => block.type === 'input')?.block_id ?? 'note'

export const mount = (options: SlackInteractionsOptions) => {
  const client = slackClient(options)
  const toleranceSeconds = options.toleranceSeconds ?? 300
  const { users } = options
  const principalOf = async (user: SlackUser): Promise<Principal> => {
    const found =
      typeof users === 'function'
        ? await users(user)
        : Object.hasOwn(users, user.id)
          ? users[user.id]
          : undefined
    if (found === undefined || found === null) throw new SlackUserUnknown({ slackUserId: user.id })
    return new Principal(found)
  }

  const storedRequirement = (context: DeploymentContext, ref: RequirementRef) =>
    Effect.runPromise(
      context.countersign.store.getRequirement(ref.runId, ref.requirementId).pipe(
        Effect.map(Option.getOrUndefined),
        Effect.orElseSucceed(() => undefined),
      ),
    )

  /** Tells the person who clicked why nothing happened, in a message only they see. */
  const tell = async (payload: BlockActions, text: string) => {
    const channel = payload.channel?.id
    if (channel === undefined) return
    await client.chat.postEphemeral({ channel, user: payload.user.id, text }).catch(() => undefined)
  }

  const openModal = async (payload: BlockActions, view: unknown) => {
    await client.views.open({ trigger_id: payload.trigger_id, view: view as never })
  }

  const clicked = async (context: DeploymentContext, payload: BlockActions) => {
    const [action] = payload.actions
    if (action.action_id === actionIds.open) return
    const ref = decodeRef(action.value)
    if (Option.isNone(ref)) throw new SlackPayloadInvalid({ reason: 'the button names no requirement' })
    const principal = await principalOf(payload.user)
    if (action.action_id === actionIds.approve) {
      await context.decide(principal, { ...ref.value, value: { approved: true } })
      return
    }
    const requirement = await storedRequirement(context, ref.value)
    if (requirement === undefined || requirement.status !== 'pending')
      return tell(payload, 'This was decided already: nothing more to do.')
    const title = `${requirement.toolCall.name}`
    switch (action.action_id) {
      case actionIds.reject:
        return openModal(payload, rejectModal(ref.value, `Reject the call to ${title}`))
      case actionIds.fill:
        return openModal(payload, formModal(ref.value, `The call to ${title} needs:`, formOf(requirement)))
      case actionIds.result:
        return openModal(payload, resultModal(ref.value, `What did the call to ${title} come to?`))
    }
    throw new SlackPayloadInvalid({ reason: 'unknown action' })
  }

  const submitted = async (context: DeploymentContext, payload: ViewSubmission): Promise<Submission> => {
    const ref = decodeRef(payload.view.private_metadata)
    if (Option.isNone(ref)) throw new SlackPayloadInvalid({ reason: 'the view names no requirement' })
    const { values } = payload.view.state
    const principal = await principalOf(payload.user)
    const submission = await (async (): Promise<Submission> => {
      switch (payload.view.callback_id) {
        case callbackIds.reject:
          return rejection(values)
        case callbackIds.result:
          return handedBack(values)
        case callbackIds.fill: {
          const requirement = await storedRequirement(context, ref.value)
          return answers(requirement === undefined ? [] : formOf(requirement), values)
        }
      }
      throw new SlackPayloadInvalid({ reason: 'unknown view' })
    })()
    if (Either.isRight(submission)) await context.decide(principal, { ...ref.value, value: submission.right })
    return submission
  }

  const interact = async (res: ServerResponse, context: DeploymentContext, body: string) => {
    const payload = new URLSearchParams(body).get('payload')
    const interaction = decodeInteraction(payload ?? '')
    if (Either.isLeft(interaction))
      return sendRefusal(
        res,
        400,
        new SlackPayloadInvalid({ reason: 'not a block_actions or view_submission payload' }),
      )
    const { right } = interaction
    if (right.type === 'block_actions') {
      try {
        await clicked(context, right)
      } catch (error) {
        if (error instanceof SlackPayloadInvalid) return sendRefusal(res, 400, error)
        await tell(right, `Not done: ${wordsOf(error)}`)
      }
      return sendJson(res, 200)
    }
    try {
      const submission = await submitted(context, right)
      if (Either.isLeft(submission))
        return sendJson(res, 200, { response_action: 'errors', errors: submission.left })
    } catch (error) {
      if (error instanceof SlackPayloadInvalid) return sendRefusal(res, 400, error)
      return sendJson(res, 200, {
        response_action: 'errors',
        errors: { [firstInput(right.view)]: wordsOf(error) },
      })
    }
    // An empty answer closes the modal.
    sendJson(res, 200)
  }

  return {
    path: options.path ?? '/slack/interactions',
    authentication: 'self' as const,
    handle: async (req: IncomingMessage, res: ServerResponse, context: DeploymentContext): Promise<void> => {
      if (req.method !== 'POST')
        return sendRefusal(res, 400, new SlackPayloadInvalid({ reason: 'not a POST' }))
      const body = await context.readBody()
      try {
        verifySignature(options.signingSecret, req.headers, body, Date.now() / 1000, toleranceSeconds)
      } catch (error) {
        if (error instanceof SlackRequestRefused) return sendRefusal(res, 401, error)
        throw error
      }
      await interact(res, context, body)
    },
  }
}
