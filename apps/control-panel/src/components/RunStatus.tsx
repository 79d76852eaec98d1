import type { RunSummaryView } from '@countersign/client'
import { Badge } from './Status.js'

const tones: Readonly<Record<string, string>> = {
  running: 'info',
  paused: 'warn',
  completed: 'ok',
  failed: 'bad',
  cancelled: 'muted',
  interrupted: 'bad',
}

const outcomes = ['approved', 'edited', 'rejected', 'expired'] as const

/**
 * A run's status, with how its decisions went once any was counted: a run that completed with a
 * call turned down (rejected, or left to expire) is not shown as a plain green "completed".
 */
export const RunStatusBadge = ({
  status,
  decisions,
}: {
  readonly status: string
  readonly decisions?: RunSummaryView['decisions']
}) => {
  const counted = outcomes.flatMap((outcome) =>
    // Kept on one line each (a no-break space): a narrow column wraps between them only.
    decisions !== undefined && decisions[outcome] > 0 ? [`${decisions[outcome]}\u00a0${outcome}`] : [],
  )
  const turnedDown = decisions !== undefined && decisions.rejected + decisions.expired > 0
  const tone = status === 'completed' && turnedDown ? 'warn' : (tones[status] ?? 'muted')
  return <Badge tone={tone}>{[status, ...counted].join(' · ')}</Badge>
}
