import type { ApprovalView } from '@countersign/client'
import { useId } from 'react'
import { formatDuration, formatTime } from '../time.js'
import { DecisionForm } from './DecisionForm.js'
import { Fields } from './Values.js'

/** Who is asking: the agent, team or workflow, and the member whose call it is. */
export const sourceOf = (approval: ApprovalView) =>
  `${approval.source.name || approval.source.id} (${approval.source.type})` +
  (approval.member === undefined ? '' : `, member ${approval.member.agentName || approval.member.agentId}`)

/** A pending approval as an approver weighs it: the call in readable form, who asked and how long it has. */
export const ApprovalCard = ({
  approval,
  now,
  onDecide,
}: {
  readonly approval: ApprovalView
  readonly now: number
  readonly onDecide: (approved: boolean, note: string | undefined) => Promise<unknown>
}) => {
  const titleId = useId()
  const left = approval.expiresAt === undefined ? undefined : approval.expiresAt - now
  return (
    <article className="card approval" aria-labelledby={titleId} data-approval-id={approval.id}>
      <header>
        <h3 id={titleId}>
          <code>{approval.toolName}</code> <span className="from">from {sourceOf(approval)}</span>
        </h3>
      </header>
      <section aria-label="Arguments">
        <Fields values={approval.toolArgs} empty="No arguments" />
      </section>
      <dl className="meta">
        <div>
          <dt>Requested by</dt>
          <dd>
            {approval.requestedBy.id}
            {approval.userId === undefined || approval.userId === approval.requestedBy.id
              ? ''
              : ` for ${approval.userId}`}
          </dd>
        </div>
        <div>
          <dt>Waiting</dt>
          <dd title={formatTime(approval.createdAt)}>{formatDuration(now - approval.createdAt)}</dd>
        </div>
        <div>
          <dt>Expires</dt>
          <dd className={left !== undefined && left < 60_000 ? 'urgent' : ''}>
            {left === undefined
              ? 'No deadline'
              : left > 0
                ? `in ${formatDuration(left)}`
                : 'now (the sweeper closes it)'}
          </dd>
        </div>
        <div>
          <dt>Run</dt>
          <dd>
            <code>{approval.runId}</code>
          </dd>
        </div>
      </dl>
      <DecisionForm approveLabel="Approve" onDecide={onDecide} />
    </article>
  )
}
