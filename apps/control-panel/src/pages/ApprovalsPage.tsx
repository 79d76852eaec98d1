import type { ApprovalView } from '@countersign/client'
import { useId, useRef, useState } from 'react'
import { ApprovalCard, sourceOf } from '../components/ApprovalCard.js'
import { BulkApproval, identicalGroups } from '../components/BulkApproval.js'
import { FilterSelect } from '../components/FilterSelect.js'
import { NotifyToggle } from '../components/NotifyToggle.js'
import { ErrorMessage, Loading } from '../components/Status.js'
import { describeError } from '../errors.js'
import type { PendingQueue } from '../pendingQueue.js'
import { hrefOf } from '../routes.js'
import type { Session } from '../session.js'
import { useNow } from '../time.js'
import { useQueueKeys } from '../queueKeys.js'

interface Filters {
  readonly tool: string
  readonly source: string
  readonly sourceType: string
}
const noFilters: Filters = { tool: '', source: '', sourceType: '' }

const distinct = (values: ReadonlyArray<readonly [string, string]>) => [...new Map(values).entries()]

/** What the approver last decided, shown until the next decision: nothing vanishes unexplained. */
interface Outcome {
  readonly tone: 'ok' | 'error'
  readonly text: string
  readonly runId?: string
}

/**
 * The approval queue, oldest first, kept live: requests appear and decided ones leave as it
 * happens. Keys: j/k move between cards, a and r go to a card's Approve button and note (a
 * decision still takes its own Enter or click), o opens the requesting run.
 */
export const ApprovalsPage = ({
  session,
  queue,
}: {
  readonly session: Session
  readonly queue: PendingQueue
}) => {
  const now = useNow()
  const [filters, setFilters] = useState(noFilters)
  const [outcome, setOutcome] = useState<Outcome | undefined>(undefined)
  const filterId = useId()
  const cards = useRef(new Map<string, HTMLElement>())

  const { pending } = queue
  const shown = pending.filter(
    (approval) =>
      (filters.tool === '' || approval.toolName === filters.tool) &&
      (filters.source === '' || approval.source.id === filters.source) &&
      (filters.sourceType === '' || approval.source.type === filters.sourceType),
  )
  const selected = useQueueKeys(shown, cards.current)
  const tools = distinct(pending.map((approval) => [approval.toolName, approval.toolName]))
  const sources = distinct(
    pending.map((approval) => [approval.source.id, approval.source.name || approval.source.id]),
  )

  const decide =
    (approval: ApprovalView) =>
    async (approved: boolean, note: string | undefined, args?: Readonly<Record<string, unknown>>) => {
      await session.client.approvals.decide(approval.id, {
        approved,
        ...(note === undefined ? {} : { note }),
        ...(args === undefined ? {} : { args }),
      })
      setOutcome({
        tone: 'ok',
        text: `${approved ? (args === undefined ? 'Approved' : 'Approved with changes') : 'Rejected'} ${approval.toolName} from ${sourceOf(approval)}.`,
        runId: approval.runId,
      })
    }

  const decideAll = async (group: ReadonlyArray<ApprovalView>) => {
    // One decision each: the server authorises every one on its own, as if decided one by one.
    const failures: Array<string> = []
    for (const approval of group) {
      try {
        await session.client.approvals.decide(approval.id, { approved: true })
      } catch (error) {
        failures.push(describeError(error))
      }
    }
    const first = group[0]!
    setOutcome(
      failures.length === 0
        ? {
            tone: 'ok',
            text: `Approved all ${group.length} calls of ${first.toolName} from ${sourceOf(first)}.`,
          }
        : {
            tone: 'error',
            text: `Approved ${group.length - failures.length} of ${group.length} calls of ${first.toolName}; the others were refused: ${[...new Set(failures)].join(' ')}`,
          },
    )
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
          {!queue.loaded
            ? ''
            : `${pending.length} pending${shown.length === pending.length ? '' : `, ${shown.length} shown`}`}
        </p>
        <NotifyToggle />
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
      <p className="muted keys">
        Keys: <kbd>j</kbd>/<kbd>k</kbd> next and previous, <kbd>a</kbd> approve, <kbd>r</kbd> reject,{' '}
        <kbd>o</kbd> open the run.
      </p>
      <div aria-live="polite">
        {outcome === undefined ? null : (
          <p className={`notice ${outcome.tone === 'ok' ? 'success' : 'error'} decided`} role="status">
            <span>{outcome.text}</span>
            {outcome.runId === undefined ? null : (
              <a href={hrefOf({ page: 'run', runId: outcome.runId })}>Open the run</a>
            )}
          </p>
        )}
      </div>
      {queue.error === undefined ? null : (
        <ErrorMessage error={queue.error} retry={queue.reload} prefix="The queue could not be loaded." />
      )}
      {!queue.loaded ? (
        <Loading what="the queue" />
      ) : shown.length === 0 ? (
        <p className="empty">
          {pending.length === 0
            ? 'Nothing waits for a decision.'
            : 'No pending approval matches the filters.'}
        </p>
      ) : (
        <>
          {identicalGroups(shown).map((group) => (
            <BulkApproval key={group[0]!.id} group={group} onApproveAll={() => decideAll(group)} />
          ))}
          <div className="cards">
            {shown.map((approval) => (
              <ApprovalCard
                key={approval.id}
                ref={(element) => {
                  if (element === null) cards.current.delete(approval.id)
                  else cards.current.set(approval.id, element)
                }}
                approval={approval}
                now={now}
                selected={selected === approval.id}
                onDecide={decide(approval)}
              />
            ))}
          </div>
        </>
      )}
    </section>
  )
}
