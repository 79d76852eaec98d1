import { useState } from 'react'
import { ErrorMessage } from './Status.js'

type Action = 'ask' | 'retry' | 'cancel'

const busyLabels: Readonly<Record<Action, string>> = {
  ask: 'Recovering…',
  retry: 'Recovering…',
  cancel: 'Cancelling…',
}

/**
 * A run whose server died while it worked (its writer's lease lapsed): recover it — its
 * interrupted calls put to a person first, or run again at once (admins only) — or cancel it.
 */
export const RecoverRun = ({
  onRecover,
  onCancel,
}: {
  readonly onRecover: (interruptedCalls: 'ask' | 'retry') => Promise<unknown>
  readonly onCancel: () => Promise<unknown>
}) => {
  const [sending, setSending] = useState<Action | undefined>(undefined)
  const [error, setError] = useState<unknown>(undefined)
  const act = (action: Action) => {
    setSending(action)
    setError(undefined)
    ;(action === 'cancel' ? onCancel() : onRecover(action)).then(
      () => setSending(undefined),
      (reason: unknown) => {
        setSending(undefined)
        setError(reason)
      },
    )
  }
  const button = (action: Action, label: string) => (
    <button type="button" disabled={sending !== undefined} onClick={() => act(action)}>
      {sending === action ? busyLabels[action] : label}
    </button>
  )
  return (
    <section aria-labelledby="interrupted-title">
      <h3 id="interrupted-title">Interrupted</h3>
      <div className="notice wait">
        <span>
          The server running this run stopped while it worked. A call it had started may or may not have taken
          effect.
        </span>
        <span className="actions">
          {button('ask', 'Recover, asking about interrupted calls')}
          {button('retry', 'Recover, running them again (admins)')}
          {button('cancel', 'Cancel the run')}
        </span>
      </div>
      {error === undefined ? null : <ErrorMessage error={error} />}
    </section>
  )
}
