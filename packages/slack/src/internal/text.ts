/*
 * Text from a run (a model's arguments, a person's note) goes into messages escaped: in Slack's
 * mrkdwn `<…>` is a mention or a link (`<!channel>` pings everyone) and `&` starts an entity.
 */

export const escapeMrkdwn = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')

/** At most `max` characters, an ellipsis marking a cut (Block Kit refuses longer texts). */
export const truncate = (text: string, max: number) =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`
