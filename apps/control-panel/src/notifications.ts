import type { ApprovalView } from '@countersign/client'
import { useEffect, useRef } from 'react'
import { sourceOf } from './components/ApprovalCard.js'

/** The person's choice, kept in this browser: notifications are opt-in. */
const optInKey = 'countersign.notify'

export const notificationsSupported = () => typeof Notification !== 'undefined'

export const notificationsWanted = () =>
  notificationsSupported() && localStorage.getItem(optInKey) === 'on' && Notification.permission === 'granted'

/** Asks the browser, and remembers the answer: whether notifications will be shown. */
export const wantNotifications = async (on: boolean): Promise<boolean> => {
  if (!on) {
    localStorage.removeItem(optInKey)
    return false
  }
  const permission =
    Notification.permission === 'default' ? await Notification.requestPermission() : Notification.permission
  if (permission !== 'granted') return false
  localStorage.setItem(optInKey, 'on')
  return true
}

/**
 * A browser notification for each approval that joins the queue while the panel is open, when
 * the person asked for them; those already waiting at sign-in are in front of them already.
 */
export const useApprovalNotifications = (pending: ReadonlyArray<ApprovalView>, loaded: boolean) => {
  const seen = useRef<Set<string> | undefined>(undefined)
  useEffect(() => {
    if (!loaded) return
    if (seen.current === undefined) {
      seen.current = new Set(pending.map(({ id }) => id))
      return
    }
    for (const approval of pending) {
      if (seen.current.has(approval.id)) continue
      seen.current.add(approval.id)
      if (notificationsWanted())
        new Notification(`Approval needed: ${approval.toolName}`, {
          body: approval.reason ?? `From ${sourceOf(approval)}`,
          tag: approval.id,
        })
    }
  }, [pending, loaded])
}
