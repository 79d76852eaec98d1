import type { ApprovalView } from '@countersign/client'
import { useConnection } from './connection.js'
import { useLiveApprovals } from './liveApprovals.js'
import type { Session } from './session.js'

const queue = { status: 'pending', type: 'required', limit: 1000 } as const
const isPending = (approval: ApprovalView) => approval.status === 'pending'

/** The approval queue as an approver works it: live, oldest first. */
export interface PendingQueue {
  readonly pending: ReadonlyArray<ApprovalView>
  readonly loaded: boolean
  readonly error: unknown
  readonly reload: () => void
}

/**
 * The approval queue, followed once for the whole panel (the page title's count, the navigation,
 * notifications and the Approvals page read the same one); empty for someone who is no approver.
 */
export const usePendingQueue = (session: Session): PendingQueue => {
  const { reconnects } = useConnection(session.connection)
  const live = useLiveApprovals(session.client, queue, isPending, reconnects, session.role === 'approver')
  return {
    pending: [...live.approvals.values()].filter(isPending).sort((a, b) => a.createdAt - b.createdAt),
    loaded: !(live.loading && live.total === undefined),
    error: live.error,
    reload: live.reload,
  }
}
