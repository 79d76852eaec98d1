import { type FormEvent, useState } from 'react'
import { ErrorMessage } from '../components/Status.js'
import { type Session, signIn } from '../session.js'

/** Sign-in with a token, as the server's `authenticate` knows it. */
export const SignInPage = ({
  onSignedIn,
  failure,
}: {
  readonly onSignedIn: (session: Session) => void
  /** Why the last attempt (a token kept from before, say) did not sign in. */
  readonly failure?: unknown
}) => {
  const [token, setToken] = useState('')
  const [sending, setSending] = useState(false)
  const [error, setError] = useState<unknown>(failure)
  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (token.trim() === '') return setError(new Error('Enter your token.'))
    setSending(true)
    setError(undefined)
    signIn(token.trim()).then(onSignedIn, (reason: unknown) => {
      setSending(false)
      setError(reason)
    })
  }
  return (
    <main className="sign-in">
      <form className="card" onSubmit={submit} noValidate aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Countersign</h1>
        <p className="muted">Sign in to decide what your agents wait for.</p>
        <div className="field">
          <label htmlFor="token">Token</label>
          <input
            id="token"
            name="token"
            type="password"
            autoComplete="current-password"
            value={token}
            onChange={(event) => setToken(event.target.value)}
            aria-invalid={error !== undefined}
            aria-describedby="token-hint"
          />
          <p className="hint" id="token-hint">
            Kept for this tab only: closing it signs you out.
          </p>
        </div>
        {error === undefined ? null : <ErrorMessage error={error} />}
        <div className="actions">
          <button type="submit" disabled={sending}>
            {sending ? 'Signing in…' : 'Sign in'}
          </button>
        </div>
      </form>
    </main>
  )
}
