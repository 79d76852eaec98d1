import type { RequirementView } from '@countersign/client'
import {
  Confirmation,
  DynamicUserInput,
  ExternalExecution,
  InterruptedCall,
  OutputReview,
  RequiredApproval,
  RouteSelection,
  StepConfirmation,
  StepUserInput,
  UserInput,
} from '@countersign/core'
import { useId } from 'react'
import type { Role } from '../session.js'
import { formatDuration } from '../time.js'
import { DecisionForm } from './DecisionForm.js'
import { UserInputForm } from './UserInputForm.js'
import { ValueForm } from './ValueForm.js'
import { Fields } from './Values.js'

/** How each built-in kind is answered, as its plugin says: the form to show for it. */
const answersOf = new Map<string, string>(
  [
    Confirmation,
    StepConfirmation,
    InterruptedCall,
    RequiredApproval,
    UserInput,
    DynamicUserInput,
    StepUserInput,
    ExternalExecution,
    RouteSelection,
    OutputReview,
  ].map((plugin) => [plugin.kind, plugin.answers]),
)

const titles: Readonly<Record<string, string>> = {
  decision: 'Confirmation',
  user_input: 'Input needed',
  external_result: 'External result needed',
}

export interface Decide {
  /** Decides an approval through the approval queue (approvers only). */
  readonly approval: (approved: boolean, note: string | undefined) => Promise<unknown>
  /** Resolves it with this value and continues the run if nothing else is open. */
  readonly resolve: (value: unknown) => Promise<unknown>
}

/** An open requirement of a run, with the form that answers it. */
export const RequirementCard = ({
  requirement,
  role,
  now,
  decide,
}: {
  readonly requirement: RequirementView
  readonly role: Role
  readonly now: number
  readonly decide: Decide
}) => {
  const titleId = useId()
  const isApproval = requirement.kind === RequiredApproval.kind
  const answers = requirement.userInputSchema === undefined ? answersOf.get(requirement.kind) : 'user_input'
  const request = (requirement.request ?? {}) as { readonly message?: unknown }
  const left = requirement.expiresAt === undefined ? undefined : requirement.expiresAt - now
  return (
    <article className="card requirement" aria-labelledby={titleId} data-requirement-id={requirement.id}>
      <header>
        <h3 id={titleId}>
          {isApproval ? 'Approval' : (titles[answers ?? ''] ?? requirement.kind)} for{' '}
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
      <section aria-label="Arguments">
        <Fields values={requirement.toolCall.args} empty="No arguments" />
      </section>
      {isApproval ? (
        role === 'approver' ? (
          <DecisionForm approveLabel="Approve" onDecide={decide.approval} />
        ) : (
          <p className="notice wait">Waiting for an approver to decide.</p>
        )
      ) : answers === 'user_input' ? (
        <UserInputForm
          fields={requirement.userInputSchema ?? []}
          onSubmit={(values) => decide.resolve({ values })}
        />
      ) : answers === 'decision' ? (
        <DecisionForm
          approveLabel="Confirm"
          onDecide={(approved, note) =>
            decide.resolve(note === undefined ? { approved } : { approved, note })
          }
        />
      ) : answers === 'external_result' ? (
        <ValueForm mode="result" onSubmit={(result) => decide.resolve({ result })} />
      ) : (
        <ValueForm mode="json" onSubmit={decide.resolve} />
      )}
    </article>
  )
}
