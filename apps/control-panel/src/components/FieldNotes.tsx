/** The ids of a field's hint and error, for its aria-describedby: only those shown; undefined when none is. */
export const describedBy = (id: string, hint: string, error: string | undefined) => {
  const ids = [hint === '' ? '' : `${id}-hint`, error === undefined ? '' : `${id}-error`].filter(Boolean)
  return ids.length === 0 ? undefined : ids.join(' ')
}

/** What a form field says under its input: its hint, then what is wrong with it, each when there is one. */
export const FieldNotes = ({
  id,
  hint,
  error,
}: {
  readonly id: string
  readonly hint: string
  readonly error: string | undefined
}) => (
  <>
    {hint === '' ? null : (
      <p className="hint" id={`${id}-hint`}>
        {hint}
      </p>
    )}
    {error === undefined ? null : (
      <p className="field-error" id={`${id}-error`}>
        {error}
      </p>
    )}
  </>
)
