import { Approval, Policy } from '@countersign/core'
import { inScope, nameList, policyName } from './internal/options.js'

export interface SeparationOfDutiesOptions {
  /** The requirement kinds it guards. Default `['approval']`: sign-offs. */
  readonly kinds?: ReadonlyArray<string>
  /** Default `separationOfDuties`. */
  readonly name?: string
}

const subject = 'separationOfDuties'

/**
 * Nobody resolves their own requests: the principal who started the run (the requester) may not
 * resolve its requirements of the guarded kinds, even when they hold the approver role. Any
 * other principal the kind's own rules allow still may.
 *
 * The engine already refuses anyone approving their own call unless the deployment allows it
 * (`allowSelfApproval`); this policy keeps the rule for an agent where that is relaxed, and
 * extends it to other kinds (`kinds: ['approval', 'confirmation']`, say).
 *
 * People are told apart by principal id. A run started without a principal belongs to
 * `anonymous` (or its `userId`), and resolving without a principal means resolving as the run's
 * own principal — which this policy refuses.
 */
export const separationOfDuties = (options: SeparationOfDutiesOptions = {}): Policy.Policy => {
  const kinds = nameList(subject, 'kinds', options.kinds) ?? [Approval.kind]
  return Policy.make({
    name: policyName(subject, options.name, subject),
    mayResolve: ({ principal, runPrincipal, kind }) =>
      !inScope(kinds, kind) || principal.id !== runPrincipal.id,
  })
}
