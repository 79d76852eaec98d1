import { dataPipeline } from './definitions/dataPipeline.js'
import { finance } from './definitions/finance.js'
import { infrastructure } from './definitions/infrastructure.js'
import { refundDesk } from './definitions/refundDesk.js'
import { support } from './definitions/support.js'

/** What the demo serves: the seed scenarios' agents, team and workflow. */
export const served = {
  agents: [support, finance, infrastructure],
  teams: [refundDesk],
  workflows: [dataPipeline],
}

/** The demo's people, by the token each signs in with. */
export const demoPrincipals = {
  'demo-user': { id: 'ada', roles: ['user'] },
  'demo-approver': { id: 'grace', roles: ['approver'] },
}

/**
 * Runs started when the store is empty, so the control panel has something waiting from the
 * first look: each pauses for a different kind of decision.
 */
export const seedRuns = [
  { definitionId: 'finance', input: 'Refund $250 to customer C-1042: the teapot arrived broken.' },
  { definitionId: 'support', input: 'Tell customer C-1042 that the replacement teapot ships on Monday.' },
  { definitionId: 'data-pipeline', input: 'Publish the weekly report.' },
] as const
