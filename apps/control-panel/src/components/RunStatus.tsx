import { Badge } from './Status.js'

const tones: Readonly<Record<string, string>> = {
  running: 'info',
  paused: 'warn',
  completed: 'ok',
  failed: 'bad',
  cancelled: 'muted',
  interrupted: 'bad',
}

export const RunStatusBadge = ({ status }: { readonly status: string }) => (
  <Badge tone={tones[status] ?? 'muted'}>{status}</Badge>
)
