import type { ApprovalQuery, ApprovalView, CountersignClient } from '@countersign/client'
import { useCallback, useEffect, useState } from 'react'

interface LiveApprovals {
  /** What was listed, with every change since applied: by id, an approval's latest state. */
  readonly approvals: ReadonlyMap<string, ApprovalView>
  readonly total: number | undefined
  /** Whether `total` counts every match (else: at least that many match). */
  readonly totalExact: boolean
  readonly loading: boolean
  readonly error: unknown
  readonly reload: () => void
}

/**
 * A page of approvals kept current: listed, then followed through `approvalChanges` from the
 * list's `changeSeq`, so that nothing decided in between is missed. Each change replaces the
 * approval it names; one not listed is added only if `adopt` says so (a new request in the
 * queue, say). Listed again when `reloadKey` changes (after a reconnect: whatever was missed
 * while the socket was down is in the new list).
 */
export const useLiveApprovals = (
  client: CountersignClient,
  query: ApprovalQuery,
  adopt: (approval: ApprovalView) => boolean,
  reloadKey: unknown,
  /** False: nothing is listed nor followed (a page the signed-in person may not read). */
  enabled = true,
): LiveApprovals => {
  const [state, setState] = useState<Omit<LiveApprovals, 'reload'>>({
    approvals: new Map(),
    total: undefined,
    totalExact: true,
    loading: enabled,
    error: undefined,
  })
  const [round, setRound] = useState(0)
  const reload = useCallback(() => setRound((count) => count + 1), [])
  const queryKey = JSON.stringify(query)

  useEffect(() => {
    if (!enabled) return
    let current = true
    let subscription: { readonly unsubscribe: () => void } | undefined
    setState((previous) => ({ ...previous, loading: true }))
    client.approvals.list(query).then(
      (page) => {
        if (!current) return
        setState({
          approvals: new Map(page.approvals.map((approval) => [approval.id, approval])),
          total: page.total,
          totalExact: page.totalExact,
          loading: false,
          error: undefined,
        })
        subscription = client.approvalChanges(
          {
            onChange: ({ approval }) =>
              setState((previous) => {
                if (!previous.approvals.has(approval.id) && !adopt(approval)) return previous
                return { ...previous, approvals: new Map(previous.approvals).set(approval.id, approval) }
              }),
            onError: (error) => setState((previous) => ({ ...previous, error })),
          },
          { afterSeq: page.changeSeq },
        )
      },
      (error: unknown) => current && setState((previous) => ({ ...previous, loading: false, error })),
    )
    return () => {
      current = false
      subscription?.unsubscribe()
    }
    // The query stands in by its key; `adopt` is read as it was when the list was made.
  }, [client, queryKey, reloadKey, round, enabled])

  return { ...state, reload }
}
