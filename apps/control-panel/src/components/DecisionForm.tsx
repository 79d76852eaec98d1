import { useId, useRef, useState } from 'react'
import { ArgumentsEditor } from './ArgumentsEditor.js'
import { ErrorMessage } from './Status.js'

/**
 * Yes or no to a call, with a note: on a rejection, the note is what the agent is told, so a
 * rejection asks for one, or for the explicit choice of none — an empty note is never sent by a
 * stray click.
 */
export const DecisionForm = ({
  approveLabel,
  onDecide,
  editable,
}: {
  readonly approveLabel: 'Approve' | 'Confirm'
  readonly onDecide: (
    approved: boolean,
    note: string | undefined,
    args?: Readonly<Record<string, unknown>>,
  ) => Promise<unknown>
  /** The call's arguments, when it may be approved with changes (confirmations and approvals). */
  readonly editable?: Readonly<Record<string, unknown>>
}) => {
  const [editing, setEditing] = useState(false)
  const noteId = useId()
  const noteHelpId = useId()
  const note = useRef<HTMLTextAreaElement>(null)
  const [text, setText] = useState('')
  const [withoutNote, setWithoutNote] = useState(false)
  const [noteMissing, setNoteMissing] = useState(false)
  const [sending, setSending] = useState<boolean | undefined>(undefined)
  const [error, setError] = useState<unknown>(undefined)
  const written = text.trim() === '' ? undefined : text.trim()
  const decide = (approved: boolean, args?: Readonly<Record<string, unknown>>) => {
    if (!approved && written === undefined && !withoutNote) {
      setNoteMissing(true)
      note.current?.focus()
      return
    }
    setNoteMissing(false)
    setSending(approved)
    setError(undefined)
    onDecide(approved, written, args).then(
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
        ref={note}
        id={noteId}
        rows={2}
        value={text}
        placeholder="Why: the agent is told when you reject"
        aria-invalid={noteMissing}
        aria-describedby={noteMissing ? noteHelpId : undefined}
        onChange={(event) => {
          setText(event.target.value)
          setNoteMissing(false)
        }}
      />
      {noteMissing ? (
        <p id={noteHelpId} className="field-error" role="alert">
          Say why you reject it (the agent is told), or tick “Reject without a note”.
        </p>
      ) : null}
      <label className="check">
        <input
          type="checkbox"
          checked={withoutNote}
          disabled={written !== undefined}
          onChange={(event) => {
            setWithoutNote(event.target.checked)
            setNoteMissing(false)
          }}
        />
        Reject without a note
      </label>
      {editing && editable !== undefined ? (
        <ArgumentsEditor
          args={editable}
          sending={sending !== undefined}
          onApprove={(args) => decide(true, args)}
          onCancel={() => setEditing(false)}
        />
      ) : null}
      {editing ? null : (
        <div className="actions">
          <button type="button" disabled={sending !== undefined} onClick={() => decide(true)}>
            {sending === true ? 'Sending…' : approveLabel}
          </button>
          {editable === undefined || Object.keys(editable).length === 0 ? null : (
            <button
              type="button"
              className="secondary"
              disabled={sending !== undefined}
              onClick={() => setEditing(true)}
            >
              Edit and {approveLabel.toLowerCase()}…
            </button>
          )}
          <button
            type="button"
            className="danger"
            disabled={sending !== undefined}
            onClick={() => decide(false)}
          >
            {sending === false ? 'Sending…' : 'Reject'}
          </button>
        </div>
      )}
      {error === undefined ? null : <ErrorMessage error={error} />}
    </form>
  )
}
