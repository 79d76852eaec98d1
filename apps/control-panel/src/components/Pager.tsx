/**
 * Previous and next page, by offset, and where the page lies among the matches `counted` (a
 * listing's answer, none while it loads): `total` of them, or at least `total` when it is not
 * exact (the server stops counting past the page), shown `1,000+`, with a next page to go to.
 */
export const Pager = ({
  offset,
  size,
  counted,
  onChange,
}: {
  readonly offset: number
  readonly size: number
  readonly counted:
    { readonly total?: number | undefined; readonly totalExact?: boolean | undefined } | undefined
  readonly onChange: (offset: number) => void
}) => {
  const total = counted?.total
  const exact = counted?.totalExact ?? true
  return total === undefined || (exact && total <= size) ? null : (
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
        {exact ? '' : '+'}
      </span>
      <button
        type="button"
        className="secondary"
        disabled={exact && offset + size >= total}
        onClick={() => onChange(offset + size)}
      >
        Next
      </button>
    </nav>
  )
}
