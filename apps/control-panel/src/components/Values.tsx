/** A JSON value for reading: text as text, lists as lists, objects as labelled fields; never raw JSON. */
export const ValueView = ({ value }: { readonly value: unknown }) => {
  if (value === null || value === undefined) return <span className="muted">none</span>
  if (typeof value === 'boolean') return <>{value ? 'yes' : 'no'}</>
  if (typeof value === 'number') return <>{value.toLocaleString()}</>
  // An id or a code (no spaces, short) stays on one line: `C-1042` is never split at its hyphen.
  if (typeof value === 'string')
    return <span className={/^\S{1,40}$/.test(value) ? 'text token' : 'text'}>{value}</span>
  if (Array.isArray(value)) {
    const items: ReadonlyArray<unknown> = value
    return items.length === 0 ? (
      <span className="muted">empty list</span>
    ) : (
      <ul className="values">
        {items.map((item, index) => (
          <li key={index}>
            <ValueView value={item} />
          </li>
        ))}
      </ul>
    )
  }
  return <Fields values={value as Readonly<Record<string, unknown>>} />
}

/** Named values (a tool call's arguments, a form's answers) as a list of names and values. */
export const Fields = ({
  values,
  empty = 'none',
}: {
  readonly values: Readonly<Record<string, unknown>>
  readonly empty?: string
}) => {
  const entries = Object.entries(values)
  if (entries.length === 0) return <span className="muted">{empty}</span>
  return (
    <dl className="fields">
      {entries.map(([name, value]) => (
        <div key={name}>
          <dt>{name}</dt>
          <dd>
            <ValueView value={value} />
          </dd>
        </div>
      ))}
    </dl>
  )
}
