import type { RunEvent } from '@countersign/client'
import { useEffect, useState } from 'react'
import { ContinueRun } from '../components/ContinueRun.js'
import { Conversation } from '../components/Conversation.js'
import { RecoverRun } from '../components/RecoverRun.js'
import { RequirementCard } from '../components/RequirementCard.js'
import { RunStatusBadge } from '../components/RunStatus.js'
import { ErrorMessage, Loading } from '../components/Status.js'
import { ResolutionView, Timeline } from '../components/Timeline.js'
import { useConnection } from '../connection.js'
import { kindName } from '../kinds.js'
import { useResource } from '../resource.js'
import { hrefOf } from '../routes.js'
import type { Session } from '../session.js'
import { formatTime, useNow } from '../time.js'

/** Events after which the run's state (status, requirements, reply) is read again. */
const changesState = new Set<RunEvent['_tag']>([
  'RunPaused',
  'RequirementResolved',
  'RunContinued',
  'RunRecovered',
  'RunCompleted',
  'RunFailed',
  'RunCancelled',
])

/** A run's events as they happen, from the first; `ended` once its last one arrived. */
const useRunEvents = (session: Session, runId: string, onStateChange: () => void) => {
  const [events, setEvents] = useState<ReadonlyArray<RunEvent>>([])
  const [ended, setEnded] = useState(false)
  const [error, setError] = useState<unknown>(undefined)
  useEffect(() => {
    setEvents([])
    setEnded(false)
    setError(undefined)
    const subscription = session.client.runEvents(runId, {
      onEvent: (event) => {
        // After a reconnect the client resumes after the last event it had: still, never show one twice.
        setEvents((previous) => ((previous.at(-1)?.seq ?? 0) >= event.seq ? previous : [...previous, event]))
        if (changesState.has(event._tag)) onStateChange()
      },
      onError: setError,
      onComplete: () => setEnded(true),
    })
    return () => subscription.unsubscribe()
  }, [session.client, runId, onStateChange])
  return { events, ended, error }
}

/** One run: where it stands, what it waits for (with the forms to answer), and its live timeline. */
/**
 * Brings the requirement a deep link names into view, once it is shown (open or decided), and
 * gives it the focus, so a keyboard or screen reader lands on it too.
 */
const useLinkedRequirement = (requirementId: string | undefined, shown: boolean) => {
  const [done, setDone] = useState(false)
  useEffect(() => {
    if (requirementId === undefined || done || !shown) return
    const target = document.querySelector<HTMLElement>(`[data-requirement-id="${CSS.escape(requirementId)}"]`)
    if (target === null) return
    target.classList.add('linked')
    target.tabIndex = -1
    target.scrollIntoView({ block: 'center' })
    target.focus()
    setDone(true)
  })
}

export const RunPage = ({
  session,
  runId,
  requirementId,
}: {
  readonly session: Session
  readonly runId: string
  /** The requirement a notification's link points at. */
  readonly requirementId?: string
}) => {
  const { client, role } = session
  const { reconnects } = useConnection(session.connection)
  const run = useResource(() => client.runs.get(runId), [client, runId, reconnects])
  const definitions = useResource(() => client.definitions.list(), [client])
  const timeline = useRunEvents(session, runId, run.reload)
  const now = useNow()
  const view = run.data

  const open =
    view?.requirements.filter((requirement) => view.activeRequirementIds.includes(requirement.id)) ?? []
  const decided = view?.requirements.filter((requirement) => requirement.isResolved) ?? []
  const nameOf = (id: string) => definitions.data?.find((definition) => definition.id === id)?.name ?? id
  // An approver reads someone else's run to weigh its approval: the rest is its owner's to do.
  const readOnly = view !== undefined && !session.admin && view.userId !== session.principalId
  const continueRun = (resolutions?: Parameters<typeof client.runs.continue>[1]) =>
    client.runs.continue(runId, resolutions).finally(run.reload)
  useLinkedRequirement(requirementId, view !== undefined)

  return (
    <section aria-labelledby="run-title">
      <p>
        {readOnly ? (
          <a href={hrefOf({ page: 'approvals' })}>← Approvals</a>
        ) : (
          <a href={hrefOf({ page: 'runs' })}>← All runs</a>
        )}
      </p>
      <div className="page-title">
        <h2 id="run-title">
          {view === undefined ? 'Run' : `${nameOf(view.agentId)} (${view.kind})`}{' '}
          <code className="run-id">{runId}</code>
        </h2>
        {view === undefined ? null : (
          <p role="status" aria-live="polite" className="run-status">
            <RunStatusBadge status={view.status} />
            {view.interrupted ? <RunStatusBadge status="interrupted" /> : null}
          </p>
        )}
      </div>
      {run.error === undefined ? null : (
        <ErrorMessage error={run.error} retry={run.reload} prefix="The run could not be loaded." />
      )}
      {view === undefined ? (
        run.error === undefined ? (
          <Loading what="the run" />
        ) : null
      ) : (
        <>
          {readOnly ? (
            <p className="notice wait">
              {view.userId ?? 'Someone'}’s run, shown to you because you decide its approval: read only.
            </p>
          ) : null}
          {view.status === 'completed' ? (
            <section className="card reply" aria-labelledby="reply-title">
              <h3 id="reply-title">Reply</h3>
              <p className="text">{view.content}</p>
            </section>
          ) : null}
          {view.status === 'failed' ? (
            <p className="notice error" role="alert">
              The run failed: {view.error}
            </p>
          ) : null}
          {view.interrupted && !readOnly ? (
            <RecoverRun
              onRecover={(interruptedCalls) =>
                client.runs.recover(runId, interruptedCalls).finally(run.reload)
              }
              onCancel={() => client.runs.cancel(runId).finally(run.reload)}
            />
          ) : null}
          {view.status === 'paused' ? (
            <section aria-labelledby="waiting-title">
              <h3 id="waiting-title">Waiting for</h3>
              {open.length === 0 ? (
                readOnly ? null : (
                  <ContinueRun onContinue={() => continueRun()} />
                )
              ) : (
                <div className="cards">
                  {open.map((requirement) => (
                    <RequirementCard
                      key={requirement.id}
                      requirement={requirement}
                      role={role}
                      now={now}
                      readOnly={readOnly}
                      decide={{
                        approval: (approved, note, args) =>
                          client.approvals
                            .decide(requirement.id, {
                              approved,
                              ...(note === undefined ? {} : { note }),
                              ...(args === undefined ? {} : { args }),
                            })
                            .finally(run.reload),
                        resolve: (value) => continueRun([{ requirementId: requirement.id, value }]),
                      }}
                    />
                  ))}
                </div>
              )}
            </section>
          ) : null}
          {decided.length === 0 ? null : (
            <section aria-labelledby="decisions-title">
              <h3 id="decisions-title">Decisions</h3>
              <ul className="decisions">
                {decided.map((requirement) => (
                  <li key={requirement.id} data-requirement-id={requirement.id}>
                    <strong>{kindName(requirement.kind)}</strong> for <code>{requirement.toolCall.name}</code>
                    {requirement.resolvedBy === undefined ? null : <> by {requirement.resolvedBy.id}</>}
                    {requirement.resolvedAt === undefined ? null : (
                      <>, {formatTime(requirement.resolvedAt)}</>
                    )}
                    : <ResolutionView value={requirement.resolution} />
                  </li>
                ))}
              </ul>
            </section>
          )}
        </>
      )}
      {view === undefined || view.messages.length === 0 ? null : (
        <section aria-labelledby="conversation-title">
          <h3 id="conversation-title">Conversation</h3>
          <Conversation messages={view.messages} />
        </section>
      )}
      <section aria-labelledby="timeline-title">
        <h3 id="timeline-title">
          Timeline <span className="muted">{timeline.ended ? '(the run has ended)' : '(live)'}</span>
        </h3>
        {timeline.error === undefined ? null : <ErrorMessage error={timeline.error} />}
        {timeline.events.length === 0 && timeline.error === undefined ? (
          <Loading what="the events" />
        ) : (
          <Timeline events={timeline.events} />
        )}
      </section>
    </section>
  )
}
