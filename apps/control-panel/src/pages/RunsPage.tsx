import type { DefinitionView } from '@countersign/client'
import { maxRunSearchLength } from '@countersign/core'
import { type FormEvent, useEffect, useId, useRef, useState } from 'react'
import { Pager } from '../components/Pager.js'
import { RunStatusBadge } from '../components/RunStatus.js'
import { FilterSelect } from '../components/FilterSelect.js'
import { ErrorMessage, Loading } from '../components/Status.js'
import { useConnection } from '../connection.js'
import { useResource } from '../resource.js'
import { hrefOf, navigate } from '../routes.js'
import type { Session } from '../session.js'
import { formatTime } from '../time.js'

const pageSize = 20
const statuses = ['running', 'paused', 'completed', 'failed', 'cancelled'] as const
type Status = (typeof statuses)[number]

/** The start of a long text, on one line. */
const excerpt = (text: string, max = 90) => {
  const line = text.replace(/\s+/g, ' ').trim()
  return line.length > max ? `${line.slice(0, max - 1)}…` : line
}

/** How long typing pauses before the runs are searched: one request per pause, not per key. */
const searchDelay = 300

/**
 * The search box's text, and the search it makes: the text trimmed once typing pauses. The search
 * is kept in the page's address (replaced, not pushed: a search is not a page of history), and
 * an address changed from outside (back, a link) sets the box.
 */
const useSearch = (fromAddress: string) => {
  const [text, setText] = useState(fromAddress)
  const written = useRef(fromAddress)
  useEffect(() => {
    if (fromAddress === written.current) return
    written.current = fromAddress
    setText(fromAddress)
  }, [fromAddress])
  useEffect(() => {
    const search = text.trim()
    if (search === written.current) return
    const timer = window.setTimeout(() => {
      written.current = search
      window.location.replace(hrefOf({ page: 'runs', search }))
    }, searchDelay)
    return () => window.clearTimeout(timer)
  }, [text])
  return { text, setText }
}

/** The caller's runs (an admin's: everyone's), newest first and searchable, with a form to start one. */
export const RunsPage = ({ session, search }: { readonly session: Session; readonly search: string }) => {
  const { client } = session
  const { reconnects } = useConnection(session.connection)
  const [status, setStatus] = useState<Status | ''>('')
  const [definitionId, setDefinitionId] = useState('')
  // A new search starts from its first page.
  const [paging, setPaging] = useState({ search, offset: 0 })
  const offset = paging.search === search ? paging.offset : 0
  const setOffset = (to: number) => setPaging({ search, offset: to })
  const ids = useId()
  const box = useSearch(search)
  const definitions = useResource(() => client.definitions.list(), [client, reconnects])
  const runs = useResource(
    () =>
      client.runs.list({
        ...(status === '' ? {} : { status }),
        ...(definitionId === '' ? {} : { definitionId }),
        ...(search === '' ? {} : { search }),
        offset,
        limit: pageSize,
      }),
    [client, status, definitionId, search, offset, reconnects],
  )
  const names = new Map((definitions.data ?? []).map((definition) => [definition.id, definition.name]))

  return (
    <section aria-labelledby="runs-title">
      <div className="page-title">
        <h2 id="runs-title">Runs</h2>
        <button type="button" className="secondary" onClick={runs.reload} disabled={runs.loading}>
          {runs.loading ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      <StartRun session={session} definitions={definitions.data} />
      <form className="filters" aria-label="Filter the runs" onSubmit={(event) => event.preventDefault()}>
        <div className="field search">
          <label htmlFor={`${ids}-search`}>Search</label>
          <input
            id={`${ids}-search`}
            type="search"
            value={box.text}
            maxLength={maxRunSearchLength}
            placeholder="Input, answer, agent or run id"
            aria-describedby={`${ids}-search-hint`}
            onChange={(event) => box.setText(event.target.value)}
          />
          <span id={`${ids}-search-hint`} className="sr-only">
            Finds runs whose input or answer holds the text, of an agent whose id does, or whose id starts
            with it.
          </span>
        </div>
        <FilterSelect
          id={`${ids}-status`}
          label="Status"
          value={status}
          options={statuses.map((value) => [value, value])}
          onChange={(value) => {
            setStatus(value as Status | '')
            setOffset(0)
          }}
        />
        <FilterSelect
          id={`${ids}-definition`}
          label="Agent, team or workflow"
          value={definitionId}
          options={(definitions.data ?? []).map((definition) => [definition.id, definition.name])}
          onChange={(value) => {
            setDefinitionId(value)
            setOffset(0)
          }}
        />
      </form>
      {runs.error === undefined ? null : (
        <ErrorMessage error={runs.error} retry={runs.reload} prefix="The runs could not be loaded." />
      )}
      {runs.data === undefined ? (
        runs.error === undefined ? (
          <Loading what="the runs" />
        ) : null
      ) : runs.data.runs.length === 0 ? (
        <p className="empty">{search === '' ? 'No run yet.' : `No run matches “${search}”.`}</p>
      ) : (
        <table className="runs">
          <caption className="sr-only">Runs, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Asked</th>
              <th scope="col">Status</th>
              <th scope="col">Waiting for</th>
              <th scope="col">Started</th>
              <th scope="col">User</th>
            </tr>
          </thead>
          <tbody>
            {runs.data.runs.map((run) => (
              <tr key={run.runId} data-run-id={run.runId}>
                <td data-label="Run">
                  <a href={hrefOf({ page: 'run', runId: run.runId })}>
                    {names.get(run.agentId) ?? run.agentId}
                  </a>
                  <div className="muted">
                    {run.kind} · <code>{run.runId}</code>
                  </div>
                </td>
                <td data-label="Asked" className="summary">
                  <span className="text">{excerpt(run.input)}</span>
                  {run.status === 'completed' && run.content !== '' ? (
                    <div className="muted">→ {excerpt(run.content)}</div>
                  ) : run.status === 'failed' && run.error !== undefined ? (
                    <div className="muted">→ {excerpt(run.error)}</div>
                  ) : null}
                </td>
                <td data-label="Status">
                  <RunStatusBadge status={run.status} decisions={run.decisions} />
                </td>
                <td data-label="Waiting for">
                  {run.activeRequirementIds.length === 0
                    ? '—'
                    : `${run.activeRequirementIds.length} decision${run.activeRequirementIds.length === 1 ? '' : 's'}`}
                </td>
                <td data-label="Started">{formatTime(run.createdAt)}</td>
                <td data-label="User">{run.userId ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager offset={offset} size={pageSize} counted={runs.data} onChange={setOffset} />
    </section>
  )
}

/** Starts a run of a served agent, team or workflow, and opens its page to follow it. */
const StartRun = ({
  session,
  definitions,
}: {
  readonly session: Session
  readonly definitions: ReadonlyArray<DefinitionView> | undefined
}) => {
  const ids = useId()
  const [chosen, setChosen] = useState('')
  const [input, setInput] = useState('')
  const [sending, setSending] = useState(false)
  const [error, setError] = useState<unknown>(undefined)
  const definitionId = chosen === '' ? (definitions?.[0]?.id ?? '') : chosen
  const start = (event: FormEvent) => {
    event.preventDefault()
    if (definitionId === '' || input.trim() === '') return
    setSending(true)
    setError(undefined)
    session.client.runs.startStream(definitionId, input.trim()).then(
      (run) => navigate({ page: 'run', runId: run.runId }),
      (failure: unknown) => {
        setSending(false)
        setError(failure)
      },
    )
  }
  return (
    <details className="card start">
      <summary>Start a run</summary>
      <form onSubmit={start} aria-label="Start a run">
        <div className="field">
          <label htmlFor={`${ids}-definition`}>Agent, team or workflow</label>
          <select
            id={`${ids}-definition`}
            value={definitionId}
            onChange={(event) => setChosen(event.target.value)}
          >
            {(definitions ?? []).map((definition) => (
              <option key={definition.id} value={definition.id}>
                {definition.name} ({definition.kind})
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${ids}-input`}>Input</label>
          <textarea
            id={`${ids}-input`}
            rows={2}
            required
            value={input}
            onChange={(event) => setInput(event.target.value)}
          />
        </div>
        <div className="actions">
          <button type="submit" disabled={sending || definitionId === '' || input.trim() === ''}>
            {sending ? 'Starting…' : 'Start'}
          </button>
        </div>
        {error === undefined ? null : <ErrorMessage error={error} />}
      </form>
    </details>
  )
}
