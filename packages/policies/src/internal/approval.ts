import { RequiredApproval, type RequirementPlugin } from '@countersign/core'

/** An approver's sign-off on the call, showing them `message`. */
export const approvalNeed = (message: string): RequirementPlugin.Need => RequiredApproval.need({ message })
