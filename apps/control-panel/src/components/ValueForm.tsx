import { type FormEvent, useId, useState } from 'react'
import { parseJson } from '../json.js'
import { describedBy, FieldNotes } from './FieldNotes.js'
import { ErrorMessage } from './Status.js'

/** For kinds the panel has no form for: the resolution typed in as JSON. */
export const ValueForm = ({ onSubmit }: { readonly onSubmit: (value: unknown) => Promise<unknown> }) => {
  const id = useId()
  const [text, setText] = useState('')
  const [error, setError] = useState<string | undefined>(undefined)
  const [sending, setSending] = useState(false)
  const [failure, setFailure] = useState<unknown>(undefined)
  const submit = (event: FormEvent) => {
    event.preventDefault()
    const parsed = parseJson(text)
    if (parsed === undefined) return setError('Enter valid JSON.')
    setError(undefined)
    setFailure(undefined)
    setSending(true)
    onSubmit(parsed.value).then(
      () => setSending(false),
      (reason: unknown) => {
        setSending(false)
        setFailure(reason)
      },
    )
  }
  const hint = 'The answer in the shape this kind of requirement expects.'
  return (
    <form onSubmit={submit} noValidate>
      <div className="field">
        <label htmlFor={id}>Resolution (JSON)</label>
        <textarea
          id={id}
          rows={3}
          value={text}
          aria-invalid={error !== undefined}
          aria-describedby={describedBy(id, hint, error)}
          onChange={(event) => setText(event.target.value)}
        />
        <FieldNotes id={id} hint={hint} error={error} />
      </div>
      <div className="actions">
        <button type="submit" disabled={sending}>
          {sending ? 'Sending…' : 'Send'}
        </button>
      </div>
      {failure === undefined ? null : <ErrorMessage error={failure} />}
    </form>
  )
}
