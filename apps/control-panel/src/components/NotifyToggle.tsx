import { useState } from 'react'
import { notificationsSupported, notificationsWanted, wantNotifications } from '../notifications.js'

/** Opts in to (or out of) a browser notification for each new approval. */
export const NotifyToggle = () => {
  const [on, setOn] = useState(notificationsWanted)
  const [refused, setRefused] = useState(false)
  if (!notificationsSupported()) return null
  const toggle = () =>
    void wantNotifications(!on).then((granted) => {
      setOn(granted)
      setRefused(!on && !granted)
    })
  return (
    <p className="notify">
      <button type="button" className="secondary" aria-pressed={on} onClick={toggle}>
        {on ? 'Notifications on' : 'Notify me of new approvals'}
      </button>
      {refused ? <span className="muted"> The browser blocks notifications for this page.</span> : null}
    </p>
  )
}
