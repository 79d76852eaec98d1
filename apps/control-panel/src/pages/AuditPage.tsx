import { useState } from 'react'
import { sourceOf } from '../components/ApprovalCard.js'
import { Pager } from '../components/Pager.js'
import { Badge, ErrorMessage, Loading } from '../components/Status.js'
import { Fields } from '../components/Values.js'
import { useConnection } from '../connection.js'
import { useLiveApprovals } from '../liveApprovals.js'
import { hrefOf } from '../routes.js'
import type { Session } from '../session.js'
import { formatTime } from '../time.js'

const pageSize = 25

const outcomeTones: Readonly<Record<string, string>> = { completed: 'ok', failed: 'bad', skipped: 'muted' }

/**
 * The audit trail: each call of a tool that runs at once but is recorded (`approval({ type:
 * 'audit' })`, a toolkit's `auditTools`), latest first, with how it ended. New records appear on
 * the first page.
 */
export const AuditPage = ({ session }: { readonly session: Session }) => {
  const { reconnects } = useConnection(session.connection)
  const [offset, setOffset] = useState(0)
  const live = useLiveApprovals(
    session.client,
    { type: 'audit', offset, limit: pageSize },
    (approval) => offset === 0 && approval.type === 'audit',
    reconnects,
  )
  const rows = [...live.approvals.values()]
    .filter((approval) => approval.type === 'audit')
    .sort((a, b) => b.createdAt - a.createdAt)
  return (
    <section aria-labelledby="audit-title">
      <div className="page-title">
        <h2 id="audit-title">Audit</h2>
        <p className="muted">Calls that ran without asking, recorded for review.</p>
      </div>
      {live.error === undefined ? null : (
        <ErrorMessage error={live.error} retry={live.reload} prefix="The audit trail could not be loaded." />
      )}
      {live.loading && live.total === undefined ? (
        <Loading what="the audit trail" />
      ) : rows.length === 0 ? (
        <p className="empty">No call recorded for audit yet.</p>
      ) : (
        <table className="history audit">
          <caption className="sr-only">Audited calls, latest first</caption>
          <thead>
            <tr>
              <th scope="col">Call</th>
              <th scope="col">Arguments</th>
              <th scope="col">Outcome</th>
              <th scope="col">When</th>
              <th scope="col">Run</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((approval) => (
              <tr key={approval.id} data-approval-id={approval.id}>
                <td data-label="Call">
                  <code>{approval.toolName}</code>
                  <div className="muted">
                    {sourceOf(approval)}, for {approval.userId ?? approval.requestedBy.id}
                  </div>
                </td>
                <td data-label="Arguments">
                  <Fields values={approval.toolArgs} empty="The call has no arguments." />
                </td>
                <td data-label="Outcome">
                  {approval.outcome === undefined ? (
                    <Badge tone="info">running</Badge>
                  ) : (
                    <Badge tone={outcomeTones[approval.outcome.status] ?? 'muted'}>
                      {approval.outcome.status}
                    </Badge>
                  )}
                </td>
                <td data-label="When">{formatTime(approval.createdAt)}</td>
                <td data-label="Run">
                  <a href={hrefOf({ page: 'run', runId: approval.runId })}>
                    <code>{approval.runId.slice(0, 8)}</code>
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager offset={offset} size={pageSize} counted={live} onChange={setOffset} />
    </section>
  )
}
