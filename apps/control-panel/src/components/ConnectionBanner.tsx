import type { ConnectionStatus } from '../connection.js'

const text: Readonly<Record<ConnectionStatus, string>> = {
  connecting: 'Connecting to the server…',
  connected: 'Live: updates arrive as they happen.',
  reconnecting: 'Connection lost. Reconnecting… What you see may be out of date until it is back.',
}

/** The live connection's state; loud only when it is lost. */
export const ConnectionBanner = ({ status }: { readonly status: ConnectionStatus }) => (
  <div className={`connection ${status}`} role="status" aria-live="polite" data-connection={status}>
    <span className="dot" aria-hidden="true" />
    {text[status]}
  </div>
)
