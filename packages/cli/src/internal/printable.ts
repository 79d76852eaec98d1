/*
 * Text from the server (a tool call's arguments above all, which a model chose, or whoever wrote
 * what the model read) printed as it is would drive the terminal: an ESC sequence or a carriage
 * return redraws the line an approver reads (hiding the real amount), a bidi override reorders
 * it. Each such character is printed as an escape instead, visibly: `\x1b`, `\r`, `\u202e`.
 */

/** C0 and C1 controls, DEL, bidi marks, embeddings, overrides and isolates, line and paragraph separators. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const unprintable = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

const named: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }

const escaped = (character: string) => {
  const code = character.charCodeAt(0)
  return (
    named[character] ??
    (code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`)
  )
}

/** The text with every character that could drive a terminal shown as an escape; printable twice is printable once. */
export const printable = (text: string): string => text.replace(unprintable, escaped)
