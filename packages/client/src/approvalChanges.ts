import type { ApprovalChangeView } from './types.js'

export interface ApprovalChangeHandlers {
  readonly onChange: (change: ApprovalChangeView) => void
  /** The subscription failed for good (not an approver, …); reconnects are silent. */
  readonly onError?: (error: unknown) => void
  /** The subscription ended: the server stopped it. */
  readonly onComplete?: () => void
}

export interface ApprovalChangesOptions {
  /**
   * Changes after this number: the `changeSeq` of a page of `approvals.list`, to miss nothing
   * the page does not show. By default, from the queue's last change when subscribing.
   */
  readonly afterSeq?: number
}
