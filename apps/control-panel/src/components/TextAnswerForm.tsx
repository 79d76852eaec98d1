import { type FormEvent, type ReactNode, useId, useState } from 'react'
import { describedBy, FieldNotes } from './FieldNotes.js'
import { ErrorMessage } from './Status.js'

/**
 * An answer typed as text and read into a value (`read` says why it cannot be, if it cannot):
 * sent once it reads, with the server's refusal shown should it come.
 */
export const TextAnswerForm = ({
  label,
  hint,
  submitLabel,
  read,
  onSubmit,
  children,
}: {
  readonly label: string
  readonly hint: string
  readonly submitLabel: string
  readonly read: (text: string) => { readonly value: unknown } | { readonly error: string }
  readonly onSubmit: (value: unknown) => Promise<unknown>
  /** Shown above the field: choices that change how the text is read. */
  readonly children?: ReactNode
}) => {
  const id = useId()
  const [text, setText] = useState('')
  const [error, setError] = useState<string | undefined>(undefined)
  const [sending, setSending] = useState(false)
  const [failure, setFailure] = useState<unknown>(undefined)
  const submit = (event: FormEvent) => {
    event.preventDefault()
    const answer = read(text)
    if ('error' in answer) return setError(answer.error)
    setError(undefined)
    setFailure(undefined)
    setSending(true)
    onSubmit(answer.value).then(
      () => setSending(false),
      (reason: unknown) => {
        setSending(false)
        setFailure(reason)
      },
    )
  }
  return (
    <form onSubmit={submit} noValidate>
      {children}
      <div className="field">
        <label htmlFor={id}>{label}</label>
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
          {sending ? 'Sending…' : submitLabel}
        </button>
      </div>
      {failure === undefined ? null : <ErrorMessage error={failure} />}
    </form>
  )
}
