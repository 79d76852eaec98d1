import { Schema } from 'effect'

/**
 * How many matches past a page's end a listing counts, at most. Counting every match walks every
 * matching index entry, a cost that grows with the store; counting to a bound set by the page
 * costs about what reading the page costs (its OFFSET walks as far), whatever the store holds,
 * and still tells a pager that there is more, and roughly how much nearby.
 */
export const countedPastPage = 1_000

/**
 * The most matches a store counts for a page at `offset` of `limit`: to its end and
 * `countedPastPage` past it, but no more than the largest safe integer, which an offset near it
 * would otherwise take the bound past (to a number no store holds exactly).
 */
export const countLimit = (page: { readonly offset: number; readonly limit: number }) =>
  Math.min(page.offset + page.limit + countedPastPage, Number.MAX_SAFE_INTEGER)

/**
 * How many match a listing, as its page counts them. A count stops at `countLimit` of the page:
 * when it got there, `total` is that limit, `totalExact` is false, and at least `total` match.
 */
export const PageTotal = Schema.Struct({
  /** How many match (when `totalExact` is false: at least this many). */
  total: Schema.NonNegativeInt,
  /** Whether `total` counts every match; false when the count stopped at its limit. */
  totalExact: Schema.Boolean,
})
export type PageTotal = typeof PageTotal.Type

/** The total of a page whose store counted `counted` matches, having counted to `countLimit(page)` at most. */
export const pageTotal = (
  counted: number,
  page: { readonly offset: number; readonly limit: number },
): PageTotal => {
  const limit = countLimit(page)
  return counted < limit ? { total: counted, totalExact: true } : { total: limit, totalExact: false }
}

/** A page of matches a store holds in memory, all found and ordered: its items, and their total as a store counts it. */
export const pageOf = <A>(
  found: ReadonlyArray<A>,
  page: { readonly offset: number; readonly limit: number },
): { readonly items: ReadonlyArray<A> } & PageTotal => ({
  items: found.slice(page.offset, page.offset + page.limit),
  ...pageTotal(found.length, page),
})
