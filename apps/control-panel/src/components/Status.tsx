import { describeError } from '../errors.js'

/** A failure, announced to screen readers, with a way to try again when there is one. */
export const ErrorMessage = ({
  error,
  retry,
  prefix,
}: {
  readonly error: unknown
  readonly retry?: () => void
  readonly prefix?: string
}) => (
  <div className="notice error" role="alert">
    <span>
      {prefix === undefined ? '' : `${prefix} `}
      {describeError(error)}
    </span>
    {retry === undefined ? null : (
      <button type="button" className="secondary" onClick={retry}>
        Try again
      </button>
    )}
  </div>
)

export const Loading = ({ what }: { readonly what: string }) => (
  <p className="muted loading" role="status">
    Loading {what}…
  </p>
)

/** A status word in colour and in text, so that colour is never the only cue. */
export const Badge = ({ tone, children }: { readonly tone: string; readonly children: string }) => (
  <span className={`badge ${tone}`}>{children}</span>
)
