import { Schema } from 'effect'

/*
 * Why the interactivity endpoint refused a request, as tagged classes: match on `_tag`. A refused
 * request changes nothing. Messages say what was wrong, never a path or a stack.
 */

/**
 * The request is not provably Slack's: its signature is missing or does not match the body with
 * the signing secret, or its timestamp is missing or outside the tolerance (a replay).
 */
export class SlackRequestRefused extends Schema.TaggedError<SlackRequestRefused>()('SlackRequestRefused', {
  reason: Schema.Literal('signature-missing', 'timestamp-missing', 'timestamp-stale', 'signature-mismatch'),
}) {
  override get message() {
    return `Refused a request not signed by Slack (${this.reason})`
  }
}

/** A signed request whose body is not an interaction payload this endpoint answers. */
export class SlackPayloadInvalid extends Schema.TaggedError<SlackPayloadInvalid>()('SlackPayloadInvalid', {
  reason: Schema.String,
}) {
  override get message() {
    return `Invalid Slack interaction payload: ${this.reason}`
  }
}

/** The Slack user is not mapped to anyone who may act in Countersign. */
export class SlackUserUnknown extends Schema.TaggedError<SlackUserUnknown>()('SlackUserUnknown', {
  slackUserId: Schema.String,
}) {
  override get message() {
    return `Your Slack account (${this.slackUserId}) is not linked to anyone in Countersign`
  }
}
