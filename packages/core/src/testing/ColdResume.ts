import { Effect } from 'effect'
import { describe, expect, it } from 'vitest'
import { kind as approvalKind, statusOf } from '../Approval.js'
import type { ColdResumeScenario } from './ColdResumeScenario.js'
import type { OpenLine, StopLine } from './coldResumeProcess.js'
import { processKit, type AgentProcesses } from './processKit.js'
import type { StoreUnderTest } from './StoreConformance.js'
import { readStoredRunTree, type StoredRunTree } from './storedRunTree.js'

/** How to start a store package's cold-resume processes over one test database, and read it. */
export interface ColdResumeProcesses extends AgentProcesses {
  /** The database's store, opened in the test's own process to check what the processes left. */
  readonly open: () => Promise<StoreUnderTest>
}

type PausedLine = Extract<StopLine, { status: 'paused' }>

/** The keys that occur more than once. */
const repeated = (keys: ReadonlyArray<string>) => keys.filter((key, index) => keys.indexOf(key) !== index)

/**
 * What the store must hold once a scenario completed: the run and every member's run completed,
 * none waiting on anything; every requirement the pauses showed, and no other, decided (none
 * lapsed), each naming the run of the member whose call it blocked; every approval decided as
 * its requirement says, by whoever decided it.
 */
const expectCompletedInStore = (stored: StoredRunTree, pauses: ReadonlyArray<PausedLine>) => {
  const runs = stored.runs.map(({ record, startedBy }) => ({
    runId: record.runId,
    parentRunId: record.parentRunId,
    status: record.status,
    open: record.pendingRequirementIds.length,
    startedBy,
  }))
  expect(runs).toStrictEqual(
    runs.map((run) => ({ ...run, parentRunId: run.startedBy, status: 'completed', open: 0 })),
  )

  expect(
    stored.requirements.map(({ id, status, resolution }) => ({ id, status, lapsed: resolution?.lapsed })),
  ).toStrictEqual(
    pauses
      .flatMap(({ requirements }) => requirements)
      .map(({ id }) => ({ id, status: 'resolved', lapsed: undefined })),
  )
  const agentOfRun = new Map(stored.runs.map(({ record }) => [record.runId, record.agentId]))
  for (const { member } of stored.requirements)
    if (member !== undefined) expect(agentOfRun.get(member.runId)).toBe(member.agentId)

  const approvals = stored.requirements.filter(({ kind }) => kind === approvalKind)
  expect(
    stored.approvals
      .filter(({ type }) => type === 'required')
      .map(({ id, status, resolvedBy, runStatus }) => ({ id, status, resolvedBy, runStatus }))
      .toSorted((a, b) => a.id.localeCompare(b.id)),
  ).toStrictEqual(
    approvals
      .map((requirement) => ({
        id: requirement.id,
        status: statusOf(requirement),
        resolvedBy: requirement.resolution?.resolvedBy,
        runStatus: 'completed',
      }))
      .toSorted((a, b) => a.id.localeCompare(b.id)),
  )
}

/**
 * DESIGN invariant 4, across real processes: a run resumed in a new process ends as it would
 * have in the one that paused it. A process starts the scenario's run and, once it pauses, stays
 * alive as a server would, until the test kills it with SIGKILL; a fresh process reads the run,
 * finds the very requirements the killed one reported, decides them the scenario's way and
 * continues; and so on at every pause, until the run completes. Then the run's answer, its
 * number of pauses, the effects (each exactly once) and the store (see `expectCompletedInStore`)
 * are checked. Every store package runs it, with its child entry handing the processes'
 * command lines to `runColdResumeProcess` with the same scenarios.
 */
export const describeColdResume = (
  name: string,
  makeProcesses: () => Promise<ColdResumeProcesses>,
  scenarios: ReadonlyArray<ColdResumeScenario>,
): void => {
  const { setUp, ledger, start } = processKit()

  describe(`${name}: a paused run is resumed cold, by a new process at every pause`, () => {
    for (const scenario of scenarios)
      it(scenario.name, async () => {
        const setup = await setUp(makeProcesses)
        const effects = ledger()

        let child = start(setup, ['start', effects.path, scenario.name])
        let stop = JSON.parse(await child.line(0)) as StopLine
        const pauses: Array<PausedLine> = []
        // Bounded: a run that pauses more often than it should fails the count below.
        while (stop.status === 'paused' && pauses.length <= scenario.pauses) {
          pauses.push(stop)
          expect(stop.requirements.length).toBeGreaterThan(0)
          child.kill()
          expect(await child.ended).toMatchObject({ code: null, signal: 'SIGKILL' })
          expect(repeated(effects.keys())).toStrictEqual([])

          child = start(setup, ['continue', effects.path, scenario.name, stop.runId])
          // The new process found the very requirements the killed one paused on, still open.
          expect(JSON.parse(await child.line(0))).toStrictEqual({
            open: stop.requirements,
          } satisfies OpenLine)
          stop = JSON.parse(await child.line(1)) as StopLine
        }

        const runId = pauses[0]?.runId ?? stop.runId
        expect(pauses.map((pause) => pause.runId)).toStrictEqual(pauses.map(() => runId))
        expect(stop).toStrictEqual({ status: 'completed', runId, content: scenario.expectedContent })
        expect(pauses).toHaveLength(scenario.pauses)
        const { code, stderr } = await child.ended
        expect(code, stderr).toBe(0)
        expect(effects.keys().toSorted()).toStrictEqual(scenario.expectedEffects.toSorted())

        const { store, close } = await setup.open()
        try {
          expectCompletedInStore(await Effect.runPromise(readStoredRunTree(store, runId)), pauses)
        } finally {
          await close?.()
        }
      })
  })
}
