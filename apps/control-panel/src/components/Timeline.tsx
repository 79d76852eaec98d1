import type { RunEvent } from '@countersign/client'
import type { ReactNode } from 'react'
import { Fields, ValueView } from './Values.js'
import { kindName } from '../kinds.js'

type Tone = 'info' | 'ok' | 'bad' | 'wait' | 'muted'

interface Entry {
  readonly key: string
  readonly at: number
  readonly tone: Tone
  /** The member or workflow step the event is about, when it is not the run itself. */
  readonly about?: string
  readonly title: ReactNode
  readonly detail?: ReactNode
}

/** A decision as it reads: approved or rejected with the note, the answers given, the result handed back. */
const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

export const ResolutionView = ({ value }: { readonly value: unknown }) => {
  if (typeof value === 'object' && value !== null) {
    const fields = value as Readonly<Record<string, unknown>>
    if (typeof fields.approved === 'boolean')
      return (
        <>
          {fields.approved ? (isRecord(fields.args) ? 'approved with changes' : 'approved') : 'rejected'}
          {typeof fields.note === 'string' ? <>: “{fields.note}”</> : null}
          {isRecord(fields.args) ? <Fields values={fields.args} /> : null}
        </>
      )
    if (typeof fields.values === 'object' && fields.values !== null)
      return <Fields values={fields.values as Readonly<Record<string, unknown>>} />
    if ('result' in fields) return <ValueView value={fields.result} />
  }
  return <ValueView value={value} />
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`

const describe = (event: RunEvent): Omit<Entry, 'key' | 'at'> => {
  switch (event._tag) {
    case 'RunStarted':
      return { tone: 'info', title: 'Run started', detail: <span className="text">{event.input}</span> }
    case 'ModelRequestStarted':
      return { tone: 'muted', title: `Asked the model (${event.model})` }
    case 'ModelRequestCompleted':
      return { tone: 'muted', title: 'The model answered' }
    case 'RunContent':
      return { tone: 'info', title: 'Reply', detail: <span className="text">{event.delta}</span> }
    case 'ToolCallStarted':
      return {
        tone: 'info',
        title: (
          <>
            Called <code>{event.toolCall.name}</code>
            {event.audited === true ? ', recorded for audit' : ''}
          </>
        ),
        detail: <Fields values={event.toolCall.args} empty="with no arguments" />,
      }
    case 'ToolCallCompleted':
      return {
        tone: 'ok',
        title: (
          <>
            <code>{event.toolName}</code> returned
          </>
        ),
        detail: <ValueView value={event.result} />,
      }
    case 'ToolCallFailed':
      return {
        tone: 'bad',
        title: (
          <>
            <code>{event.toolName}</code> failed
          </>
        ),
        detail: <span className="text">{event.error}</span>,
      }
    case 'RunPaused':
      return {
        tone: 'wait',
        title: `Paused for ${plural(event.requirements.length, 'decision')}`,
        detail: (
          <ul className="values">
            {event.requirements.map((requirement) => (
              <li key={requirement.id}>
                {kindName(requirement.kind)} for <code>{requirement.toolCall.name}</code>
                {requirement.member === undefined ? null : <> (member {requirement.member.agentName})</>}
              </li>
            ))}
          </ul>
        ),
      }
    case 'RequirementResolved':
      return event.lapsed === undefined
        ? {
            tone: 'ok',
            title: `${kindName(event.kind)} decided by ${event.resolvedBy.id}`,
            detail: <ResolutionView value={event.value} />,
          }
        : { tone: 'muted', title: `${kindName(event.kind)} ${event.lapsed}: nobody decided` }
    case 'RunContinued':
      return { tone: 'info', title: 'Continued' }
    case 'RunRecovered':
      return { tone: 'wait', title: 'Taken over after its process stopped' }
    case 'RunCompleted':
      return { tone: 'ok', title: 'Completed', detail: <span className="text">{event.content}</span> }
    case 'RunFailed':
      return { tone: 'bad', title: 'Failed', detail: <span className="text">{event.error}</span> }
    case 'RunCancelled':
      return {
        tone: 'muted',
        title: 'Cancelled',
        ...(event.reason === undefined ? {} : { detail: <span className="text">{event.reason}</span> }),
      }
    case 'MemberRunStarted':
      return {
        tone: 'info',
        about: event.memberName,
        title: 'Member started',
        detail: <span className="text">{event.task}</span>,
      }
    case 'MemberRunPaused':
      return {
        tone: 'wait',
        about: event.memberName,
        title: `Member paused for ${plural(event.requirementIds.length, 'decision')}`,
      }
    case 'MemberRunContinued':
      return { tone: 'info', about: event.memberName, title: 'Member continued' }
    case 'MemberRunCompleted':
      return {
        tone: 'ok',
        about: event.memberName,
        title: 'Member completed',
        detail: <span className="text">{event.content}</span>,
      }
    case 'MemberRunFailed':
      return {
        tone: 'bad',
        about: event.memberName,
        title: 'Member failed',
        detail: <span className="text">{event.error}</span>,
      }
    case 'StepStarted':
      return {
        tone: 'info',
        about: `${event.stepType} ${event.stepName}`,
        title: event.attempt === 0 ? 'Step started' : `Step started again (attempt ${event.attempt + 1})`,
      }
    case 'StepCompleted':
      return {
        tone: 'ok',
        about: `${event.stepType} ${event.stepName}`,
        title: 'Step completed',
        detail: <ValueView value={event.output} />,
      }
    case 'StepSkipped':
      return {
        tone: 'muted',
        about: `${event.stepType} ${event.stepName}`,
        title: 'Step skipped',
        detail: <span className="text">{event.reason}</span>,
      }
    case 'StepPaused':
      return {
        tone: 'wait',
        about: `${event.stepType} ${event.stepName}`,
        title: `Step paused for ${event.why.replace('_', ' ')}`,
      }
    case 'StepContinued':
      return { tone: 'info', about: `${event.stepType} ${event.stepName}`, title: 'Step continued' }
    case 'StepBranched':
      return {
        tone: 'info',
        about: `${event.stepType} ${event.stepName}`,
        title: `Took ${event.branches.join(', ') || 'no branch'}`,
      }
    case 'LoopIterationCompleted':
      return {
        tone: 'ok',
        about: `${event.stepType} ${event.stepName}`,
        title: `Iteration ${event.iteration + 1} completed${event.done ? ', the last' : ''}`,
      }
  }
}

/** Events as a person reads them: a streamed reply's pieces joined into one entry. */
const entriesOf = (events: ReadonlyArray<RunEvent>): ReadonlyArray<Entry> => {
  const entries: Array<Entry> = []
  let reply: { key: string; at: number; text: string } | undefined
  for (const event of events) {
    if (event._tag === 'RunContent') {
      reply = reply === undefined ? { key: String(event.seq), at: event.at, text: '' } : reply
      reply.text += event.delta
      continue
    }
    if (reply !== undefined) {
      entries.push({
        ...reply,
        tone: 'info',
        title: 'Reply',
        detail: <span className="text">{reply.text}</span>,
      })
      reply = undefined
    }
    entries.push({ key: String(event.seq), at: event.at, ...describe(event) })
  }
  if (reply !== undefined)
    entries.push({
      ...reply,
      tone: 'info',
      title: 'Reply',
      detail: <span className="text">{reply.text}</span>,
    })
  return entries
}

/** A run's events, oldest first, growing as they arrive. */
export const Timeline = ({ events }: { readonly events: ReadonlyArray<RunEvent> }) => (
  <ol className="timeline">
    {entriesOf(events).map((entry) => (
      <li key={entry.key} className={`entry ${entry.tone}`}>
        <time dateTime={new Date(entry.at).toISOString()}>{new Date(entry.at).toLocaleTimeString()}</time>
        <div className="body">
          <p className="title">
            {entry.about === undefined ? null : <span className="about">{entry.about}</span>}
            {entry.title}
          </p>
          {entry.detail === undefined ? null : <div className="detail">{entry.detail}</div>}
        </div>
      </li>
    ))}
  </ol>
)
