import { styleText } from 'node:util'

export type Style = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'cyan'

/** Where a command writes: readable lines or JSON on stdout, errors on stderr. */
export interface Output {
  /** Whether the caller asked for machine-readable output (`--json`). */
  readonly json: boolean
  /** Lines on stdout. */
  readonly lines: (texts: ReadonlyArray<string>) => void
  /** Text on stdout as it is, for a line written piece by piece. */
  readonly text: (text: string) => void
  /** A value as one line of JSON on stdout. */
  readonly value: (value: unknown) => void
  /** A line on stderr. */
  readonly error: (text: string) => void
  /** The text in a style on stdout: the text itself unless stdout is a terminal that shows colours. */
  readonly style: (style: Style, text: string) => string
  /** The same for stderr. */
  readonly errorStyle: (style: Style, text: string) => string
}

/*
 * `hasColors()` answers for the terminal and the environment both: it honours NO_COLOR,
 * NODE_DISABLE_COLORS, FORCE_COLOR and TERM=dumb. A pipe or a file gets no colour at all.
 */
const styler = (stream: NodeJS.WriteStream) =>
  stream.isTTY && stream.hasColors()
    ? (style: Style, text: string) => styleText(style, text)
    : (_style: Style, text: string) => text

/** The process's stdout and stderr. */
export const processOutput = (json: boolean): Output => ({
  json,
  lines: (texts) => void process.stdout.write(texts.map((text) => `${text}\n`).join('')),
  text: (text) => void process.stdout.write(text),
  value: (value) => void process.stdout.write(`${JSON.stringify(value)}\n`),
  error: (text) => void process.stderr.write(`${text}\n`),
  style: styler(process.stdout),
  errorStyle: styler(process.stderr),
})
