import { type FormEvent, useId, useState } from 'react'
import { parseJson } from '../json.js'
import { describedBy, FieldNotes } from './FieldNotes.js'
import { ErrorMessage } from './Status.js'

/**
 * What a call carried out outside the agent came to: the result it returned (JSON when it reads as
 * JSON, else the text itself), or, when it failed, why — which the agent is told as its failure.
 */
export const ExternalResultForm = ({
  onSubmit,
}: {
  readonly onSubmit: (value: { result: unknown } | { error: string }) => Promise<unknown>
}) => {
  const id = useId()
  const [failed, setFailed] = useState(false)
  const [text, setText] = useState('')
  const [error, setError] = useState<string | undefined>(undefined)
  const [sending, setSending] = useState(false)
  const [failure, setFailure] = useState<unknown>(undefined)
  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (text.trim() === '') return setError(failed ? 'Say why it failed.' : 'Enter the result.')
    setError(undefined)
    setFailure(undefined)
    setSending(true)
    const parsed = parseJson(text)
    onSubmit(failed ? { error: text.trim() } : { result: parsed === undefined ? text : parsed.value }).then(
      () => setSending(false),
      (reason: unknown) => {
        setSending(false)
        setFailure(reason)
      },
    )
  }
  const hint = failed
    ? 'Why the call failed: the agent is told, as the call’s error.'
    : 'What the call returned: text, or JSON (a number, list or object). The agent receives it as is.'
  return (
    <form onSubmit={submit} noValidate>
      <fieldset className="outcome">
        <legend>The call</legend>
        <label className="check">
          <input type="radio" name={`${id}-outcome`} checked={!failed} onChange={() => setFailed(false)} />
          returned a result
        </label>
        <label className="check">
          <input type="radio" name={`${id}-outcome`} checked={failed} onChange={() => setFailed(true)} />
          failed
        </label>
      </fieldset>
      <div className="field">
        <label htmlFor={id}>{failed ? 'Why it failed' : 'Result'}</label>
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
          {sending ? 'Sending…' : failed ? 'Report the failure' : 'Send result'}
        </button>
      </div>
      {failure === undefined ? null : <ErrorMessage error={failure} />}
    </form>
  )
}
