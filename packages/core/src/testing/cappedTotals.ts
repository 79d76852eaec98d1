import { expect } from 'vitest'
import { countLimit } from '../PageTotal.js'

/** A page as a listing test reads it: the ids listed, and the total. */
export interface ListedPage {
  readonly ids: ReadonlyArray<string>
  readonly total: number
  readonly totalExact: boolean
}

/** How many a capped-total test stores: a few more than a one-item first page counts. */
export const pastFirstCountLimit = countLimit({ offset: 0, limit: 1 }) + 4

/**
 * Checks the pages of a listing of `newestFirst` (`pastFirstCountLimit` matches, newest first):
 * a page whose count limit falls short of the matches answers that limit, marked inexact, with
 * the right items; one whose limit lies past them (a larger page, or a deep one: the limit moves
 * with the offset) counts every match, exactly.
 */
export const expectTotalsCountedToTheLimit = async (
  listed: (page: { readonly offset?: number; readonly limit: number }) => Promise<ListedPage>,
  newestFirst: ReadonlyArray<string>,
) => {
  const matches = newestFirst.length
  expect(await listed({ limit: 1 })).toStrictEqual({
    ids: newestFirst.slice(0, 1),
    total: countLimit({ offset: 0, limit: 1 }),
    totalExact: false,
  })
  expect(await listed({ offset: 2, limit: 2 })).toStrictEqual({
    ids: newestFirst.slice(2, 4),
    total: countLimit({ offset: 2, limit: 2 }),
    totalExact: false,
  })
  expect(await listed({ limit: 10 })).toStrictEqual({
    ids: newestFirst.slice(0, 10),
    total: matches,
    totalExact: true,
  })
  expect(await listed({ offset: matches - 2, limit: 1 })).toStrictEqual({
    ids: newestFirst.slice(-2, -1),
    total: matches,
    totalExact: true,
  })
  expect(await listed({ offset: matches, limit: 1 })).toStrictEqual({
    ids: [],
    total: matches,
    totalExact: true,
  })
}
