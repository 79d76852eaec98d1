/** Previous and next page, by offset. */
export const Pager = ({
  offset,
  size,
  total,
  onChange,
}: {
  readonly offset: number
  readonly size: number
  readonly total: number | undefined
  readonly onChange: (offset: number) => void
}) =>
  total === undefined || total <= size ? null : (
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
        {offset + 1}–{Math.min(offset + size, total)} of {total}
      </span>
      <button
        type="button"
        className="secondary"
        disabled={offset + size >= total}
        onClick={() => onChange(offset + size)}
      >
        Next
      </button>
    </nav>
  )
