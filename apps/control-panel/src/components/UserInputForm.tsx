import { type FormEvent, useId, useState } from 'react'
import { type Field, initialTexts, readForm, textOf } from '../userInput.js'
import { describedBy, FieldNotes } from './FieldNotes.js'
import { ErrorMessage } from './Status.js'

/**
 * The form a user-input requirement asks for, one input per field: checked in the browser by the
 * server's own rules (types, required fields, allowed values) and sent only when they all hold.
 */
export const UserInputForm = ({
  fields,
  onSubmit,
}: {
  readonly fields: ReadonlyArray<Field>
  readonly onSubmit: (values: Readonly<Record<string, unknown>>) => Promise<unknown>
}) => {
  const formId = useId()
  const [texts, setTexts] = useState(() => initialTexts(fields))
  const [errors, setErrors] = useState<Readonly<Record<string, string>>>({})
  const [sending, setSending] = useState(false)
  const [failure, setFailure] = useState<unknown>(undefined)

  const submit = (event: FormEvent) => {
    event.preventDefault()
    const reading = readForm(fields, texts)
    if (!reading.ok) {
      setErrors(reading.errors)
      // Take the person to the first field to mend.
      const first = fields.find((field) => field.name in reading.errors)
      if (first !== undefined) document.getElementById(`${formId}-${first.name}`)?.focus()
      return
    }
    setErrors({})
    setFailure(undefined)
    setSending(true)
    onSubmit(reading.values).then(
      () => setSending(false),
      (error: unknown) => {
        setSending(false)
        setFailure(error)
      },
    )
  }

  const invalid = Object.keys(errors).length
  return (
    <form className="user-input" noValidate onSubmit={submit}>
      {fields.map((field) => {
        const id = `${formId}-${field.name}`
        const error = errors[field.name]
        const hint = [field.description, hintOf(field)].filter(Boolean).join(' · ')
        const common = {
          id,
          name: field.name,
          value: texts[field.name] ?? '',
          'aria-invalid': error !== undefined,
          'aria-required': field.required,
          'aria-describedby': describedBy(id, hint, error),
        }
        const set = (text: string) => setTexts((previous) => ({ ...previous, [field.name]: text }))
        return (
          <div className="field" key={field.name}>
            <label htmlFor={id}>
              {field.name}
              {field.required ? <span aria-hidden="true"> *</span> : null}
            </label>
            {field.type === 'boolean' ? (
              <select {...common} onChange={(event) => set(event.target.value)}>
                <option value="">{field.required ? 'Choose…' : 'Not given'}</option>
                <option value="true">Yes</option>
                <option value="false">No</option>
              </select>
            ) : field.allowedValues !== undefined ? (
              <select {...common} onChange={(event) => set(event.target.value)}>
                <option value="">{field.required ? 'Choose…' : 'Not given'}</option>
                {field.allowedValues.map((allowed) => (
                  <option key={textOf(allowed)} value={textOf(allowed)}>
                    {textOf(allowed)}
                  </option>
                ))}
              </select>
            ) : field.type === 'array' || field.type === 'object' ? (
              <textarea {...common} rows={3} onChange={(event) => set(event.target.value)} />
            ) : (
              <input
                {...common}
                type="text"
                inputMode={
                  field.type === 'string' ? 'text' : field.type === 'integer' ? 'numeric' : 'decimal'
                }
                autoComplete="off"
                onChange={(event) => set(event.target.value)}
              />
            )}
            <FieldNotes id={id} hint={hint} error={error} />
          </div>
        )
      })}
      {invalid === 0 ? null : (
        <p className="notice error" role="alert">
          {invalid === 1 ? 'One field needs' : `${invalid} fields need`} mending before this can be sent.
        </p>
      )}
      <div className="actions">
        <button type="submit" disabled={sending}>
          {sending ? 'Sending…' : 'Send answers'}
        </button>
      </div>
      {failure === undefined ? null : <ErrorMessage error={failure} />}
    </form>
  )
}

/** What to type, where the input does not show it already: text needs no word. */
const typeNames: Readonly<Record<Field['type'], string | undefined>> = {
  string: undefined,
  number: 'A number',
  integer: 'A whole number',
  boolean: 'Yes or no',
  array: 'A JSON list',
  object: 'A JSON object',
}

const hintOf = (field: Field) => (field.allowedValues === undefined ? typeNames[field.type] : undefined)
