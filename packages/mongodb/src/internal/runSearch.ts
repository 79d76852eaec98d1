import type { Filter } from 'mongodb'
import type { RunDocument } from './collections.js'

/** `text` as a regular expression that matches it and nothing else: every metacharacter escaped. */
const literally = (text: string) => text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&')

/**
 * The `runs` documents `search` finds (see `RunFilter.search`): its text taken literally, so
 * that it can neither match more than itself nor make the server backtrack, in any case.
 */
export const searchFilter = (search: string | undefined): Filter<RunDocument> => {
  if (search === undefined) return {}
  const text = literally(search)
  const containing = { $regex: text, $options: 'i' }
  return {
    $or: [
      { _id: { $regex: `^${text}`, $options: 'i' } },
      { agentId: containing },
      { input: containing },
      { content: containing },
    ],
  }
}
