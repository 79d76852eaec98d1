import { Schema } from 'effect'
import { ApprovalSource, kind } from '../Approval.js'
import { FollowUpPlan } from '../FollowUp.js'
import type { Principal } from '../Principal.js'
import * as RequirementPlugin from '../RequirementPlugin.js'

/** Who may approve when nobody said otherwise: approvers and admins. */
export const isApprover = (principal: Principal) =>
  principal.roles.includes('approver') || principal.roles.includes('admin')

/**
 * "Does this have the organisation's sign-off?": an approver approves the call (as it is, or with
 * the arguments they changed), or rejects it with a note that the model is told. The run stamps `source` (the agent, team or workflow).
 */
export const RequiredApproval = RequirementPlugin.make({
  kind,
  answers: 'decision',
  request: Schema.Struct({
    message: Schema.optional(Schema.String),
    source: Schema.optional(ApprovalSource),
    /** The policy that asked (stamped by the engine); none when the tool's own `approval` did. */
    policy: Schema.optional(Schema.String),
    /** When to remind, and to escalate, while it is pending (see FollowUp). */
    followUps: Schema.optional(FollowUpPlan),
  }),
  mayResolve: isApprover,
  editsArguments: true,
  outcome: ({ call, resolution, args }) =>
    resolution.approved
      ? RequirementPlugin.Outcome.Execute({ args: resolution.args ?? args })
      : RequirementPlugin.Outcome.Skip({
          message:
            resolution.note !== undefined && resolution.note.trim() !== ''
              ? `An approver rejected the call to ${call.name}: ${resolution.note}`
              : `An approver rejected the call to ${call.name}; it was not executed.`,
        }),
})
