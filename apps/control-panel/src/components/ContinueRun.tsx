import { useState } from 'react'
import { ErrorMessage } from './Status.js'

/** A paused run whose decisions are all in, and that nobody has continued yet. */
export const ContinueRun = ({ onContinue }: { readonly onContinue: () => Promise<unknown> }) => {
  const [sending, setSending] = useState(false)
  const [error, setError] = useState<unknown>(undefined)
  const go = () => {
    setSending(true)
    setError(undefined)
    onContinue().then(
      () => setSending(false),
      (reason: unknown) => {
        setSending(false)
        setError(reason)
      },
    )
  }
  return (
    <>
      <div className="notice wait">
        <span>Every decision is in.</span>
        <button type="button" disabled={sending} onClick={go}>
          {sending ? 'Continuing…' : 'Continue the run'}
        </button>
      </div>
      {error === undefined ? null : <ErrorMessage error={error} />}
    </>
  )
}
