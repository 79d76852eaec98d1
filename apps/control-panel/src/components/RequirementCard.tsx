import type { RequirementView } from '@countersign/client'
import { Confirmation, RequiredApproval } from '@countersign/core'
import { useId } from 'react'
import { answersOf, kindName } from '../kinds.js'
import type { Role } from '../session.js'
import { formatDuration } from '../time.js'
import { DecisionForm } from './DecisionForm.js'
import { UserInputForm } from './UserInputForm.js'
import { ExternalResultForm } from './ExternalResultForm.js'
import { ValueForm } from './ValueForm.js'
import { Fields } from './Values.js'

export interface Decide {
  /** Decides an approval through the approval queue (approvers only). */
  readonly approval: (
    approved: boolean,
    note: string | undefined,
    args?: Readonly<Record<string, unknown>>,
  ) => Promise<unknown>
  /** Resolves it with this value and continues the run if nothing else is open. */
  readonly resolve: (value: unknown) => Promise<unknown>
}

/** What a requirement's request may say, whatever its kind: why, and for a step, what it lets through. */
interface Request {
  readonly message?: unknown
  readonly stepType?: unknown
  readonly input?: unknown
}

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * What the call (or step) goes ahead with, as the person answering sees it: the arguments a form
 * asks for are in the form, not shown twice; a step's gate shows the input it lets through.
 */
const shownArguments = (requirement: RequirementView, request: Request) => {
  const asked = new Set((requirement.userInputSchema ?? []).map(({ name }) => name))
  const args = Object.fromEntries(
    Object.entries(requirement.toolCall.args).filter(([name]) => !asked.has(name)),
  )
  return isRecord(request.input) ? { ...args, ...request.input } : args
}

/**
 * An open requirement of a run, with the form that answers it; `readOnly` (an approver reading
 * someone else's run) shows it without the forms that are its owner's to fill.
 */
export const RequirementCard = ({
  requirement,
  role,
  now,
  decide,
  readOnly = false,
}: {
  readonly requirement: RequirementView
  readonly role: Role
  readonly now: number
  readonly decide: Decide
  readonly readOnly?: boolean
}) => {
  const titleId = useId()
  const isApproval = requirement.kind === RequiredApproval.kind
  const answers = requirement.userInputSchema === undefined ? answersOf(requirement.kind) : 'user_input'
  const request: Request = isRecord(requirement.request) ? requirement.request : {}
  const args = shownArguments(requirement, request)
  const isStep = typeof request.stepType === 'string'
  const left = requirement.expiresAt === undefined ? undefined : requirement.expiresAt - now
  return (
    <article className="card requirement" aria-labelledby={titleId} data-requirement-id={requirement.id}>
      <header>
        <h3 id={titleId}>
          {kindName(requirement.kind)} for {isStep ? 'the step ' : ''}
          <code>{requirement.toolCall.name}</code>
          {requirement.member === undefined ? null : (
            <span className="from">
              {' '}
              by member {requirement.member.agentName || requirement.member.agentId}
            </span>
          )}
        </h3>
        {left === undefined ? null : (
          <p className={left < 60_000 ? 'urgent' : 'muted'}>
            {left > 0 ? `Expires in ${formatDuration(left)}` : 'Expired: the sweeper closes it'}
          </p>
        )}
      </header>
      {typeof request.message === 'string' ? <p className="message">{request.message}</p> : null}
      {Object.keys(args).length === 0 && (answers === 'user_input' || isStep) ? null : (
        <section aria-label={isStep ? 'What it lets through' : 'Arguments'}>
          <Fields values={args} empty="The call has no arguments." />
        </section>
      )}
      {isApproval ? (
        role === 'approver' ? (
          <DecisionForm
            approveLabel="Approve"
            onDecide={decide.approval}
            editable={requirement.toolCall.args}
          />
        ) : (
          <p className="notice wait">Waiting for an approver to decide.</p>
        )
      ) : readOnly ? (
        <p className="notice wait">Waiting for the run’s owner to answer.</p>
      ) : answers === 'user_input' ? (
        <UserInputForm
          fields={requirement.userInputSchema ?? []}
          onSubmit={(values) => decide.resolve({ values })}
        />
      ) : answers === 'decision' ? (
        <DecisionForm
          approveLabel="Confirm"
          {...(requirement.kind === Confirmation.kind ? { editable: requirement.toolCall.args } : {})}
          onDecide={(approved, note, args) =>
            decide.resolve({
              approved,
              ...(note === undefined ? {} : { note }),
              ...(args === undefined ? {} : { args }),
            })
          }
        />
      ) : answers === 'external_result' ? (
        <ExternalResultForm onSubmit={decide.resolve} />
      ) : (
        <ValueForm onSubmit={decide.resolve} />
      )}
    </article>
  )
}
