import { Schema } from 'effect'

/*
 * The interaction payloads the endpoint answers, as far as it reads them (Slack sends more; the
 * rest is ignored): a click on a message's button (`block_actions`) and a submitted modal
 * (`view_submission`).
 */

export const SlackUser = Schema.Struct({
  id: Schema.NonEmptyString,
  username: Schema.optional(Schema.String),
  name: Schema.optional(Schema.String),
  team_id: Schema.optional(Schema.String),
})
export type SlackUser = typeof SlackUser.Type

export const BlockActions = Schema.Struct({
  type: Schema.Literal('block_actions'),
  user: SlackUser,
  trigger_id: Schema.String,
  channel: Schema.optional(Schema.Struct({ id: Schema.String })),
  actions: Schema.NonEmptyArray(
    Schema.Struct({ action_id: Schema.String, value: Schema.optional(Schema.String) }),
  ),
})
export type BlockActions = typeof BlockActions.Type

const InputState = Schema.Struct({
  type: Schema.optional(Schema.String),
  value: Schema.optional(Schema.NullOr(Schema.String)),
  selected_option: Schema.optional(Schema.NullOr(Schema.Struct({ value: Schema.String }))),
})

export const ViewSubmission = Schema.Struct({
  type: Schema.Literal('view_submission'),
  user: SlackUser,
  view: Schema.Struct({
    callback_id: Schema.String,
    private_metadata: Schema.String,
    blocks: Schema.Array(Schema.Struct({ type: Schema.String, block_id: Schema.optional(Schema.String) })),
    state: Schema.Struct({
      values: Schema.Record({
        key: Schema.String,
        value: Schema.Record({ key: Schema.String, value: InputState }),
      }),
    }),
  }),
})
export type ViewSubmission = typeof ViewSubmission.Type

/** A submitted modal's inputs: by block id, then action id. */
export type StateValues = ViewSubmission['view']['state']['values']
export type InputState = StateValues[string][string]

export const Interaction = Schema.Union(BlockActions, ViewSubmission)
export const decodeInteraction = Schema.decodeUnknownEither(Schema.parseJson(Interaction))
