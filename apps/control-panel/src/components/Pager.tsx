/**
 * Previous and next page, by offset, and where the page lies among the matches: `total` of them,
 * or at least `total` when it is not exact (the server stops counting past the page), shown
 * `1,000+`, with a next page to go to.
 */
export const Pager = ({
  offset,
  size,
  total,
  totalExact,
  onChange,
}: {
  readonly offset: number
  readonly size: number
  readonly total: number | undefined
  readonly totalExact: boolean
  readonly onChange: (offset: number) => void
}) =>
  total === undefined || (totalExact && total <= size) ? null : (
    <nav className="pager" aria-label="Pages">
      <button
        type="button"
        className="secondary"
        disabled={offset === 0}
        onClick={() => onChange(Math.max(0, offset - size))}
      >
        Previous
      </button>
      <span>
        {offset + 1}–{Math.min(offset + size, total)} of {total.toLocaleString('en-US')}
        {totalExact ? '' : '+'}
      </span>
      <button
        type="button"
        className="secondary"
        disabled={totalExact && offset + size >= total}
        onClick={() => onChange(offset + size)}
      >
        Next
      </button>
    </nav>
  )
