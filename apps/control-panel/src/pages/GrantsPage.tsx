import type { GrantView } from '@countersign/client'
import { useId, useState } from 'react'
import { FilterSelect } from '../components/FilterSelect.js'
import { Badge, ErrorMessage, Loading } from '../components/Status.js'
import { Fields } from '../components/Values.js'
import { useResource } from '../resource.js'
import type { Session } from '../session.js'
import { formatTime } from '../time.js'

const statuses = ['active', 'used', 'revoked'] as const
type Status = (typeof statuses)[number]
const tones: Readonly<Record<string, string>> = { active: 'ok', used: 'muted', revoked: 'bad' }

/** Revoking takes a second, deliberate click, with a note kept beside the revocation. */
const Revoke = ({ onRevoke }: { readonly onRevoke: (note: string | undefined) => Promise<unknown> }) => {
  const noteId = useId()
  const [open, setOpen] = useState(false)
  const [note, setNote] = useState('')
  const [sending, setSending] = useState(false)
  const [error, setError] = useState<unknown>(undefined)
  if (!open)
    return (
      <button type="button" className="secondary" onClick={() => setOpen(true)}>
        Revoke…
      </button>
    )
  const revoke = () => {
    setSending(true)
    setError(undefined)
    onRevoke(note.trim() === '' ? undefined : note.trim()).then(
      () => setSending(false),
      (failure: unknown) => {
        setSending(false)
        setError(failure)
      },
    )
  }
  return (
    <form className="decision" onSubmit={(event) => event.preventDefault()}>
      <label htmlFor={noteId}>Why</label>
      <textarea id={noteId} rows={2} value={note} onChange={(event) => setNote(event.target.value)} />
      <div className="actions">
        <button type="button" className="danger" disabled={sending} onClick={revoke}>
          {sending ? 'Sending…' : 'Revoke the grant'}
        </button>
        <button type="button" className="secondary" disabled={sending} onClick={() => setOpen(false)}>
          Keep it
        </button>
      </div>
      {error === undefined ? null : <ErrorMessage error={error} />}
    </form>
  )
}

/** What a grant lets through: whose calls, where, of which tool, with which arguments. */
const Covers = ({ grant }: { readonly grant: GrantView }) => (
  <>
    <code>{grant.toolName}</code> from {grant.sourceId}
    <div className="muted">
      {grant.scope === 'once' ? 'one call' : 'every call'} by {grant.principalId ?? 'nobody (an old grant)'}{' '}
      in session <span className="token">{grant.sessionId}</span>
    </div>
    {grant.args === undefined ? (
      <div className="muted">with any arguments</div>
    ) : (
      <Fields values={grant.args} empty="with no arguments" />
    )}
  </>
)

/** Approvals given ahead of time: who granted what, how often it was used, and revoking one. */
export const GrantsPage = ({ session }: { readonly session: Session }) => {
  const [status, setStatus] = useState<Status | ''>('active')
  const statusId = useId()
  const grants = useResource(
    () => session.client.grants.list(status === '' ? {} : { status }),
    [session.client, status],
  )
  const rows = grants.data ?? []
  return (
    <section aria-labelledby="grants-title">
      <div className="page-title">
        <h2 id="grants-title">Grants</h2>
        <p className="muted">Calls let through without asking, as an approver granted them.</p>
      </div>
      <form className="filters" aria-label="Filter the grants" onSubmit={(event) => event.preventDefault()}>
        <FilterSelect
          id={statusId}
          label="Status"
          value={status}
          options={statuses.map((value) => [value, value])}
          onChange={(value) => setStatus(value as Status | '')}
        />
      </form>
      {grants.error === undefined ? null : (
        <ErrorMessage error={grants.error} retry={grants.reload} prefix="The grants could not be loaded." />
      )}
      {grants.data === undefined ? (
        <Loading what="the grants" />
      ) : rows.length === 0 ? (
        <p className="empty">No grant{status === '' ? '' : ` ${status}`}.</p>
      ) : (
        <table className="history grants">
          <caption className="sr-only">Grants, latest first</caption>
          <thead>
            <tr>
              <th scope="col">Status</th>
              <th scope="col">Lets through</th>
              <th scope="col">Granted</th>
              <th scope="col">Uses</th>
              <th scope="col">
                <span className="sr-only">Revoke</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {[...rows]
              .sort((a, b) => b.grantedAt - a.grantedAt)
              .map((grant) => (
                <tr key={grant.id} data-grant-id={grant.id}>
                  <td data-label="Status">
                    <Badge tone={tones[grant.status] ?? 'muted'}>{grant.status}</Badge>
                  </td>
                  <td data-label="Lets through">
                    <Covers grant={grant} />
                  </td>
                  <td data-label="Granted">
                    by {grant.grantedBy.id}, {formatTime(grant.grantedAt)}
                    {grant.note === undefined ? null : <div className="muted">{grant.note}</div>}
                  </td>
                  <td data-label="Uses">{grant.uses}</td>
                  <td>
                    {grant.status === 'active' ? (
                      <Revoke
                        onRevoke={(note) =>
                          session.client.grants
                            .revoke(grant.id, note === undefined ? {} : { note })
                            .finally(grants.reload)
                        }
                      />
                    ) : null}
                  </td>
                </tr>
              ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
