import { useId, useState } from 'react'
import { ErrorMessage } from './Status.js'

/** Yes or no to a call, with a note: on a rejection, the note is what the agent is told. */
export const DecisionForm = ({
  approveLabel,
  onDecide,
}: {
  readonly approveLabel: 'Approve' | 'Confirm'
  readonly onDecide: (approved: boolean, note: string | undefined) => Promise<unknown>
}) => {
  const noteId = useId()
  const [note, setNote] = useState('')
  const [sending, setSending] = useState<boolean | undefined>(undefined)
  const [error, setError] = useState<unknown>(undefined)
  const decide = (approved: boolean) => {
    setSending(approved)
    setError(undefined)
    onDecide(approved, note.trim() === '' ? undefined : note.trim()).then(
      () => setSending(undefined),
      (failure: unknown) => {
        setSending(undefined)
        setError(failure)
      },
    )
  }
  return (
    <form className="decision" onSubmit={(event) => event.preventDefault()}>
      <label htmlFor={noteId}>Note</label>
      <textarea
        id={noteId}
        rows={2}
        value={note}
        placeholder="Why (told to the agent when you reject)"
        onChange={(event) => setNote(event.target.value)}
      />
      <div className="actions">
        <button type="button" disabled={sending !== undefined} onClick={() => decide(true)}>
          {sending === true ? 'Sending…' : approveLabel}
        </button>
        <button
          type="button"
          className="danger"
          disabled={sending !== undefined}
          onClick={() => decide(false)}
        >
          {sending === false ? 'Sending…' : 'Reject'}
        </button>
      </div>
      {error === undefined ? null : <ErrorMessage error={error} />}
    </form>
  )
}
