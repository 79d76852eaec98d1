/** One filter of a list: a labelled select whose first choice, "Any", filters nothing. */
export const FilterSelect = ({
  id,
  label,
  value,
  options,
  onChange,
}: {
  readonly id: string
  readonly label: string
  readonly value: string
  /** Each choice: its value, and the text shown for it. */
  readonly options: ReadonlyArray<readonly [string, string]>
  readonly onChange: (value: string) => void
}) => (
  <div className="field">
    <label htmlFor={id}>{label}</label>
    <select id={id} value={value} onChange={(event) => onChange(event.target.value)}>
      <option value="">Any</option>
      {options.map(([choice, text]) => (
        <option key={choice} value={choice}>
          {text}
        </option>
      ))}
    </select>
  </div>
)
