import { useId, useState } from 'react'
import { parseJson } from '../json.js'
import { textOf } from '../userInput.js'
import { describedBy, FieldNotes } from './FieldNotes.js'

/** An argument as typed back, in the type it had: numbers stay numbers, lists and objects are JSON. */
const readBack = (original: unknown, text: string): { value: unknown } | { error: string } => {
  if (typeof original === 'string') return { value: text }
  if (typeof original === 'number') {
    const number = Number(text)
    return text.trim() !== '' && Number.isFinite(number) ? { value: number } : { error: 'Enter a number.' }
  }
  if (typeof original === 'boolean') return { value: text === 'true' }
  return parseJson(text) ?? { error: 'Enter JSON.' }
}

/**
 * The call's arguments as a form, to approve with changes: each prefilled with what the call asked
 * for. The server checks the result against the tool, and its policies judge it again.
 */
export const ArgumentsEditor = ({
  args,
  sending,
  onApprove,
  onCancel,
}: {
  readonly args: Readonly<Record<string, unknown>>
  readonly sending: boolean
  readonly onApprove: (args: Readonly<Record<string, unknown>>) => void
  readonly onCancel: () => void
}) => {
  const formId = useId()
  const [texts, setTexts] = useState(() =>
    Object.fromEntries(Object.entries(args).map(([name, value]) => [name, textOf(value)])),
  )
  const [errors, setErrors] = useState<Readonly<Record<string, string>>>({})
  const approve = () => {
    const read = Object.entries(args).map(
      ([name, original]) => [name, readBack(original, texts[name] ?? '')] as const,
    )
    const failed = Object.fromEntries(
      read.flatMap(([name, result]) => ('error' in result ? [[name, result.error]] : [])),
    )
    setErrors(failed)
    if (Object.keys(failed).length === 0)
      onApprove(
        Object.fromEntries(
          read.map(([name, result]) => [name, 'value' in result ? result.value : undefined]),
        ),
      )
  }
  return (
    <fieldset className="edit-arguments">
      <legend>Approve with these arguments</legend>
      {Object.entries(args).map(([name, original]) => {
        const id = `${formId}-${name}`
        const set = (text: string) => {
          setTexts((previous) => ({ ...previous, [name]: text }))
          setErrors(({ [name]: _mended, ...others }) => others)
        }
        return (
          <div className="field" key={name}>
            <label htmlFor={id}>{name}</label>
            {typeof original === 'boolean' ? (
              <select id={id} value={texts[name]} onChange={(event) => set(event.target.value)}>
                <option value="true">Yes</option>
                <option value="false">No</option>
              </select>
            ) : (
              <input
                id={id}
                type="text"
                autoComplete="off"
                value={texts[name] ?? ''}
                aria-invalid={errors[name] !== undefined}
                aria-describedby={describedBy(id, '', errors[name])}
                onChange={(event) => set(event.target.value)}
              />
            )}
            <FieldNotes id={id} hint="" error={errors[name]} />
          </div>
        )
      })}
      <div className="actions">
        <button type="button" disabled={sending} onClick={approve}>
          {sending ? 'Sending…' : 'Approve with changes'}
        </button>
        <button type="button" className="secondary" disabled={sending} onClick={onCancel}>
          Cancel
        </button>
      </div>
    </fieldset>
  )
}
