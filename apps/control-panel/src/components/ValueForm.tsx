import { type FormEvent, useId, useState } from 'react'
import { describedBy, FieldNotes } from './FieldNotes.js'
import { ErrorMessage } from './Status.js'

const parseJson = (text: string): { value: unknown } | undefined => {
  try {
    return { value: JSON.parse(text) }
  } catch {
    return undefined
  }
}

/**
 * One value typed in: an external call's result (JSON when it reads as JSON, else the text
 * itself), or, for kinds the panel has no form for, the resolution as JSON.
 */
export const ValueForm = ({
  mode,
  onSubmit,
}: {
  readonly mode: 'result' | 'json'
  readonly onSubmit: (value: unknown) => Promise<unknown>
}) => {
  const id = useId()
  const [text, setText] = useState('')
  const [error, setError] = useState<string | undefined>(undefined)
  const [sending, setSending] = useState(false)
  const [failure, setFailure] = useState<unknown>(undefined)
  const submit = (event: FormEvent) => {
    event.preventDefault()
    const parsed = parseJson(text)
    if (mode === 'json' && parsed === undefined) return setError('Enter valid JSON.')
    if (mode === 'result' && text.trim() === '') return setError('Enter the result.')
    setError(undefined)
    setFailure(undefined)
    setSending(true)
    onSubmit(parsed === undefined ? text : parsed.value).then(
      () => setSending(false),
      (reason: unknown) => {
        setSending(false)
        setFailure(reason)
      },
    )
  }
  const hint =
    mode === 'result'
      ? 'What the call returned: text, or JSON (a number, list or object). The agent receives it as is.'
      : 'The answer in the shape this kind of requirement expects.'
  return (
    <form onSubmit={submit} noValidate>
      <div className="field">
        <label htmlFor={id}>{mode === 'result' ? 'Result' : 'Resolution (JSON)'}</label>
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
          {sending ? 'Sending…' : mode === 'result' ? 'Send result' : 'Send'}
        </button>
      </div>
      {failure === undefined ? null : <ErrorMessage error={failure} />}
    </form>
  )
}
