import type { ApprovalView } from '@countersign/client'
import { useState } from 'react'
import { sourceOf } from './ApprovalCard.js'

/** The same call from the same source: sorted keys, so that argument order does not matter. */
const sameCall = (approval: ApprovalView) =>
  JSON.stringify([
    approval.source.type,
    approval.source.id,
    approval.toolName,
    Object.entries(approval.toolArgs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  ])

/** A call's arguments on one line: `order A-1, amount 25`. */
const argsText = (args: Readonly<Record<string, unknown>>) =>
  Object.entries(args)
    .map(([name, value]) => `${name} ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(', ')

/** Pending approvals of the very same call, two or more of each, in queue order. */
export const identicalGroups = (pending: ReadonlyArray<ApprovalView>) => {
  const groups = new Map<string, Array<ApprovalView>>()
  for (const approval of pending) {
    const key = sameCall(approval)
    groups.set(key, [...(groups.get(key) ?? []), approval])
  }
  return [...groups.values()].filter((group) => group.length > 1)
}

/**
 * Identical requests decided together: approving all takes a second, deliberate click, and each is
 * decided on its own (the server authorises every one as if decided one by one).
 */
export const BulkApproval = ({
  group,
  onApproveAll,
}: {
  readonly group: ReadonlyArray<ApprovalView>
  readonly onApproveAll: () => Promise<unknown>
}) => {
  const [confirming, setConfirming] = useState(false)
  const [sending, setSending] = useState(false)
  const first = group[0]!
  const approveAll = () => {
    setSending(true)
    void onApproveAll().finally(() => {
      setSending(false)
      setConfirming(false)
    })
  }
  return (
    <section className="notice bulk" aria-label={`${group.length} identical requests`}>
      <span>
        {group.length} identical requests: <code>{first.toolName}</code> from {sourceOf(first)}
        {Object.keys(first.toolArgs).length === 0 ? '' : ` with ${argsText(first.toolArgs)}`}.
      </span>
      {confirming ? (
        <span className="actions">
          <button type="button" disabled={sending} onClick={approveAll}>
            {sending ? 'Sending…' : `Approve these ${group.length}`}
          </button>
          <button type="button" className="secondary" disabled={sending} onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </span>
      ) : (
        <button type="button" className="secondary" onClick={() => setConfirming(true)}>
          Approve all {group.length}…
        </button>
      )}
    </section>
  )
}
