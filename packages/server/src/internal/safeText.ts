/*
 * What an error says to a client, without what only the server should know: a message built
 * from a thrown error (a schema's description of a RangeError, say) may carry its stack trace,
 * and with it the server's file paths.
 */

/** Where a stack trace begins: its first `at …` frame line. */
const firstFrame = /\r?\n\s*at\s/

/** An absolute file path or file URL to a source file, with its line and column if given. */
const sourcePath = /(?:file:\/\/)?(?:[A-Za-z]:)?(?:[\\/][\w.@+-]+)+\.(?:[cm]?[jt]sx?|node)(?::\d+)*/g

/** The text up to any stack trace, with source file paths replaced by `<file>`. */
export const withoutTrace = (text: string): string => {
  const frame = firstFrame.exec(text)
  return (frame === null ? text : text.slice(0, frame.index)).replace(sourcePath, '<file>')
}
