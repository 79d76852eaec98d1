/**
 * @countersign/slack — Slack for Countersign: an interactive message per requirement (approve,
 * reject with a note, fill in a form, hand back a result), updated wherever it is decided, and the
 * interactivity endpoint that checks Slack's signature and decides as the mapped person.
 */
export * as SlackChannel from './SlackChannel.js'
export type { SlackChannelOptions } from './SlackChannel.js'
export * as SlackInteractions from './SlackInteractions.js'
export type { PrincipalInput, SlackInteractionsOptions, SlackUser, UserLookup } from './SlackInteractions.js'
export { SlackPayloadInvalid, SlackRequestRefused, SlackUserUnknown } from './SlackError.js'
