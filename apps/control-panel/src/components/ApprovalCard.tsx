import type { ApprovalView } from '@countersign/client'
import { forwardRef, useId } from 'react'
import { hrefOf } from '../routes.js'
import { formatDuration, formatTime } from '../time.js'
import { DecisionForm } from './DecisionForm.js'
import { Fields } from './Values.js'

/** Who is asking: the agent, team or workflow, and the member whose call it is. */
export const sourceOf = (approval: ApprovalView) =>
  `${approval.source.name || approval.source.id} (${approval.source.type})` +
  (approval.member === undefined ? '' : `, member ${approval.member.agentName || approval.member.agentId}`)

/** Who asked for the sign-off: a policy, by its name, or the tool itself. */
export const askedBy = (approval: ApprovalView) =>
  approval.policy === undefined ? `the tool ${approval.toolName}` : `the policy ${approval.policy}`

/**
 * A pending approval as an approver weighs it: why it needs a sign-off and who asked, the call in
 * readable form, who requested it and how long it has, and a way into the requesting run.
 */
export const ApprovalCard = forwardRef<
  HTMLElement,
  {
    readonly approval: ApprovalView
    readonly now: number
    readonly selected?: boolean
    readonly onDecide: (
      approved: boolean,
      note: string | undefined,
      args?: Readonly<Record<string, unknown>>,
    ) => Promise<unknown>
  }
>(function ApprovalCard({ approval, now, selected = false, onDecide }, ref) {
  const titleId = useId()
  const left = approval.expiresAt === undefined ? undefined : approval.expiresAt - now
  return (
    <article
      ref={ref}
      tabIndex={-1}
      className={selected ? 'card approval selected' : 'card approval'}
      aria-labelledby={titleId}
      aria-current={selected ? 'true' : undefined}
      data-approval-id={approval.id}
    >
      <header>
        <h3 id={titleId}>
          <code>{approval.toolName}</code> <span className="from">from {sourceOf(approval)}</span>
        </h3>
      </header>
      <section aria-label="Why" className="why">
        {approval.reason === undefined ? null : <p className="message">{approval.reason}</p>}
        <p className="muted">Asked by {askedBy(approval)}.</p>
      </section>
      <section aria-label="Arguments">
        <Fields values={approval.toolArgs} empty="The call has no arguments." />
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
            <a href={hrefOf({ page: 'run', runId: approval.runId })} className="run-link">
              <code>{approval.runId}</code>
            </a>
          </dd>
        </div>
      </dl>
      <DecisionForm approveLabel="Approve" onDecide={onDecide} editable={approval.toolArgs} />
    </article>
  )
})
