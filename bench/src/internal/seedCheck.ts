import type { Countersign, RunStore } from '@countersign/core'
import { Effect } from 'effect'
import type { Renaming } from './copiedRuns.js'
import { completeRun } from './approvalRuns.js'

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)

/** What a run looks like from outside: its status, its requirements' and its approvals' states. */
const shapeOf = async (countersign: Countersign, store: RunStore, runId: string) => {
  const output = await countersign.getRun(runId)
  const requirements = await run(store.listRequirements(runId))
  const { approvals } = await countersign.approvals.list({ runId })
  return JSON.stringify({
    status: output.status,
    requirements: requirements.map(({ kind, status }) => `${kind}:${status}`),
    approvals: approvals.map(({ type, status, toolName }) => `${type}:${toolName}:${status}`).sort(),
  })
}

/**
 * Proof that copies are runs as the engine writes them: a copy reads back through the public API
 * as its template does (status, requirements, approvals in the queue), the store counts every
 * copy, and copies left paused resume to completion. Throws on the first difference. Answers what
 * it checked, for the report.
 */
export const checkCopies = async (
  countersign: Countersign,
  store: RunStore,
  copies: ReadonlyArray<Renaming>,
  expected: { readonly runs: number; readonly approvals: number },
) => {
  // A page at the last run expected counts past it: its total is exact unless more are stored.
  const last = await run(store.listRuns({ offset: expected.runs - 1, limit: 1 }))
  const runs = `${last.total}${last.totalExact ? '' : '+'}`
  const approvals = await countersign.approvals.count({})
  if (runs !== String(expected.runs) || approvals !== expected.approvals)
    throw new Error(
      `the store holds ${runs} runs and ${approvals} approvals, not ${expected.runs} and ${expected.approvals}`,
    )
  const sampled = copies.slice(-6)
  let resumed = 0
  for (const copy of sampled) {
    const runId = copy.replacements[0]![1]
    const [template, copied] = await Promise.all([
      shapeOf(countersign, store, copy.template.runId),
      shapeOf(countersign, store, runId),
    ])
    if (template !== copied) throw new Error(`copy ${runId} reads ${copied}, its template ${template}`)
    const output = await countersign.getRun(runId)
    if (output.status !== 'paused') continue
    await completeRun(countersign, { runId, requirementIds: output.activeRequirements.map(({ id }) => id) })
    resumed++
  }
  if (resumed === 0) throw new Error('no copy checked was paused')
  return `${runs} runs and ${approvals} approvals counted; ${sampled.length} copies read as their templates; ${resumed} paused copies resumed to completion`
}
