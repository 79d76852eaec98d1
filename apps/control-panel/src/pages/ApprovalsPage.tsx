import type { ApprovalView } from '@countersign/client'
import { useId, useState } from 'react'
import { ApprovalCard, sourceOf } from '../components/ApprovalCard.js'
import { FilterSelect } from '../components/FilterSelect.js'
import { ErrorMessage, Loading } from '../components/Status.js'
import { useConnection } from '../connection.js'
import { useLiveApprovals } from '../liveApprovals.js'
import type { Session } from '../session.js'
import { useNow } from '../time.js'

const queue = { status: 'pending', type: 'required', limit: 1000 } as const
const isPending = (approval: ApprovalView) => approval.status === 'pending'

interface Filters {
  readonly tool: string
  readonly source: string
  readonly sourceType: string
}
const noFilters: Filters = { tool: '', source: '', sourceType: '' }

const distinct = (values: ReadonlyArray<readonly [string, string]>) => [...new Map(values).entries()]

/** The approval queue, oldest first, kept live: requests appear and decided ones leave as it happens. */
export const ApprovalsPage = ({ session }: { readonly session: Session }) => {
  const { reconnects } = useConnection(session.connection)
  const live = useLiveApprovals(session.client, queue, isPending, reconnects)
  const now = useNow()
  const [filters, setFilters] = useState(noFilters)
  const [announcement, setAnnouncement] = useState('')
  const filterId = useId()

  const pending = [...live.approvals.values()].filter(isPending).sort((a, b) => a.createdAt - b.createdAt)
  const shown = pending.filter(
    (approval) =>
      (filters.tool === '' || approval.toolName === filters.tool) &&
      (filters.source === '' || approval.source.id === filters.source) &&
      (filters.sourceType === '' || approval.source.type === filters.sourceType),
  )
  const tools = distinct(pending.map((approval) => [approval.toolName, approval.toolName]))
  const sources = distinct(
    pending.map((approval) => [approval.source.id, approval.source.name || approval.source.id]),
  )

  const decide = (approval: ApprovalView) => async (approved: boolean, note: string | undefined) => {
    await session.client.approvals.decide(approval.id, note === undefined ? { approved } : { approved, note })
    setAnnouncement(`${approved ? 'Approved' : 'Rejected'} ${approval.toolName} from ${sourceOf(approval)}.`)
  }

  const select = (key: keyof Filters, label: string, options: ReadonlyArray<readonly [string, string]>) => (
    <FilterSelect
      id={`${filterId}-${key}`}
      label={label}
      value={filters[key]}
      options={options}
      onChange={(value) => setFilters({ ...filters, [key]: value })}
    />
  )

  return (
    <section aria-labelledby="approvals-title">
      <div className="page-title">
        <h2 id="approvals-title">Approvals</h2>
        <p className="count" role="status" aria-live="polite">
          {live.loading && live.total === undefined
            ? ''
            : `${pending.length} pending${shown.length === pending.length ? '' : `, ${shown.length} shown`}`}
        </p>
      </div>
      <form className="filters" aria-label="Filter the queue" onSubmit={(event) => event.preventDefault()}>
        {select('tool', 'Tool', tools)}
        {select('source', 'Source', sources)}
        {select('sourceType', 'Type', [
          ['agent', 'Agent'],
          ['team', 'Team'],
          ['workflow', 'Workflow'],
        ])}
        {filters === noFilters ? null : (
          <button type="button" className="secondary" onClick={() => setFilters(noFilters)}>
            Clear filters
          </button>
        )}
      </form>
      <p className="sr-only" role="status" aria-live="polite">
        {announcement}
      </p>
      {live.error === undefined ? null : (
        <ErrorMessage error={live.error} retry={live.reload} prefix="The queue could not be loaded." />
      )}
      {live.loading && live.total === undefined ? (
        <Loading what="the queue" />
      ) : shown.length === 0 ? (
        <p className="empty">
          {pending.length === 0
            ? 'Nothing waits for a decision.'
            : 'No pending approval matches the filters.'}
        </p>
      ) : (
        <div className="cards">
          {shown.map((approval) => (
            <ApprovalCard key={approval.id} approval={approval} now={now} onDecide={decide(approval)} />
          ))}
        </div>
      )}
    </section>
  )
}
