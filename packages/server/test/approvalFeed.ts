import type { TRPCClientError } from '@trpc/client'
import type { AppRouter } from '../src/index.js'
import type { connect } from './harness.js'

type Client = ReturnType<typeof connect>['trpc']
type Input = Parameters<Client['approvals']['changes']['subscribe']>[0]
type Received = Parameters<
  NonNullable<NonNullable<Parameters<Client['approvals']['changes']['subscribe']>[1]>['onData']>
>[0]

/**
 * A subscription to the approval queue's changes that stays open: what it received, tracked id
 * and change, and a way to wait until it holds a number of them (or failed).
 */
export const followChanges = (client: Client, input: Input) => {
  const received: Array<Received> = []
  let failed: TRPCClientError<AppRouter> | undefined
  const waiting = new Set<() => void>()
  const tell = () => waiting.forEach((check) => check())
  const subscription = client.approvals.changes.subscribe(input, {
    onData: (value) => {
      received.push(value)
      tell()
    },
    onError: (error) => {
      failed = error
      tell()
    },
  })
  return {
    received,
    /** The changes received so far. */
    changes: () => received.map(({ data }) => data),
    /** Resolves once `count` changes have come; rejects if the subscription failed first. */
    until: (count: number) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (received.length >= count) resolve()
          else if (failed !== undefined) reject(failed)
          else return
          waiting.delete(check)
        }
        waiting.add(check)
        check()
      }),
    /** Resolves with the error the subscription failed with. */
    failure: () =>
      new Promise<TRPCClientError<AppRouter>>((resolve) => {
        const check = () => {
          if (failed === undefined) return
          waiting.delete(check)
          resolve(failed)
        }
        waiting.add(check)
        check()
      }),
    unsubscribe: () => subscription.unsubscribe(),
  }
}

/** What a test compares of a change: its number, approval and status, and the status of the approval it carries. */
export const summaryOf = (change: ReturnType<ReturnType<typeof followChanges>['changes']>[number]) => ({
  seq: change.seq,
  approvalId: change.approvalId,
  status: change.status,
  approvalStatus: change.approval.status,
})
