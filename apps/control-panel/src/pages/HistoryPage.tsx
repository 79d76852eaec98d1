import type { ApprovalView } from '@countersign/client'
import { useId, useState } from 'react'
import { sourceOf } from '../components/ApprovalCard.js'
import { Pager } from '../components/Pager.js'
import { FilterSelect } from '../components/FilterSelect.js'
import { Badge, ErrorMessage, Loading } from '../components/Status.js'
import { Fields } from '../components/Values.js'
import { useConnection } from '../connection.js'
import { useLiveApprovals } from '../liveApprovals.js'
import type { Session } from '../session.js'
import { formatTime } from '../time.js'

const pageSize = 25
const decisions = ['approved', 'rejected', 'expired', 'cancelled'] as const
type Decision = (typeof decisions)[number]

const tones: Readonly<Record<string, string>> = {
  approved: 'ok',
  rejected: 'bad',
  expired: 'warn',
  cancelled: 'muted',
}

/** Decided approvals, latest first: who decided, when, what, and their note. New decisions appear on the first page. */
export const HistoryPage = ({ session }: { readonly session: Session }) => {
  const { reconnects } = useConnection(session.connection)
  const [status, setStatus] = useState<Decision | ''>('')
  const [offset, setOffset] = useState(0)
  const statusId = useId()
  const matches = (approval: ApprovalView) =>
    approval.status !== 'pending' && (status === '' || approval.status === status)
  const live = useLiveApprovals(
    session.client,
    { type: 'required', ...(status === '' ? {} : { status }), offset, limit: pageSize },
    (approval) => offset === 0 && matches(approval),
    reconnects,
  )
  const rows = [...live.approvals.values()]
    .filter(matches)
    .sort((a, b) => (b.resolvedAt ?? b.createdAt) - (a.resolvedAt ?? a.createdAt))

  return (
    <section aria-labelledby="history-title">
      <div className="page-title">
        <h2 id="history-title">History</h2>
      </div>
      <form className="filters" aria-label="Filter the history" onSubmit={(event) => event.preventDefault()}>
        <FilterSelect
          id={statusId}
          label="Decision"
          value={status}
          options={decisions.map((decision) => [decision, decision])}
          onChange={(value) => {
            setStatus(value as Decision | '')
            setOffset(0)
          }}
        />
      </form>
      {live.error === undefined ? null : (
        <ErrorMessage error={live.error} retry={live.reload} prefix="The history could not be loaded." />
      )}
      {live.loading && live.total === undefined ? (
        <Loading what="the history" />
      ) : rows.length === 0 ? (
        <p className="empty">No decision yet.</p>
      ) : (
        <table className="history">
          <caption className="sr-only">Decided approvals, latest first</caption>
          <thead>
            <tr>
              <th scope="col">Decision</th>
              <th scope="col">Call</th>
              <th scope="col">Arguments</th>
              <th scope="col">Decided by</th>
              <th scope="col">When</th>
              <th scope="col">Note</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((approval) => (
              <tr key={approval.id} data-approval-id={approval.id}>
                <td data-label="Decision">
                  <Badge tone={tones[approval.status] ?? 'muted'}>{approval.status}</Badge>
                </td>
                <td data-label="Call">
                  <code>{approval.toolName}</code>
                  <div className="muted">
                    {sourceOf(approval)}, asked by {approval.requestedBy.id}
                  </div>
                </td>
                <td data-label="Arguments">
                  {approval.editedArgs === undefined ? (
                    <Fields values={approval.toolArgs} empty="The call has no arguments." />
                  ) : (
                    <>
                      <div className="muted">Approved with changes:</div>
                      <Fields values={approval.editedArgs} />
                      <div className="muted">Asked:</div>
                      <Fields values={approval.toolArgs} />
                    </>
                  )}
                </td>
                <td data-label="Decided by">{approval.resolvedBy?.id ?? 'nobody (it lapsed)'}</td>
                <td data-label="When">
                  {approval.resolvedAt === undefined ? '' : formatTime(approval.resolvedAt)}
                </td>
                <td data-label="Note">{approval.note ?? <span className="muted">none</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager offset={offset} size={pageSize} counted={live} onChange={setOffset} />
    </section>
  )
}
