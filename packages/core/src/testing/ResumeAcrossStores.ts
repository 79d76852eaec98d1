import { Effect } from 'effect'
import { afterEach, describe, expect, it } from 'vitest'
import { Countersign } from '../Countersign.js'
import {
  ApprovalAlreadyResolved,
  RequirementAlreadyResolved,
  RunClaimed,
  RunNotContinuable,
} from '../Errors.js'
import * as Resolutions from '../Resolutions.js'
import type { StoreUnderTest } from './StoreConformance.js'
import { treasurer, treasurerAnswer } from './treasurer.js'
import { workflowPipeline } from './workflowScenario.js'

/** One database for a test, and how to open another store over it, as another process would. */
export interface SharedDatabase {
  readonly open: () => Promise<StoreUnderTest>
  /** Called after the test, once every store opened on it is closed. */
  readonly drop?: () => Promise<void>
}

/**
 * The store seen through agents: a run paused by one agent and store is continued by new ones
 * over new stores on the same database (a workflow's too, pause after pause), and concurrent
 * continues through two stores run the gated tool once. Every store package runs it, so what it
 * proves holds for each.
 */
export const describeResumeAcrossStores = (
  name: string,
  makeDatabase: () => Promise<SharedDatabase>,
): void => {
  const cleanups: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  const database = async () => {
    const shared = await makeDatabase()
    if (shared.drop !== undefined) cleanups.push(shared.drop)
    return shared
  }

  /**
   * A process's worth of objects over the shared database: its own store, model, tool and agent.
   * Every execution of the gated tool lands in `executions`, which the "processes" share as a
   * ledger would.
   */
  const boot = async (
    shared: SharedDatabase,
    executions: Array<string>,
    gate: 'confirmation' | 'approval' = 'confirmation',
  ) => {
    const { store, close } = await shared.open()
    const agent = treasurer({ store, gate, onTransfer: (key) => void executions.push(key) })
    let closed = false
    const shutdown = async () => {
      if (closed) return
      closed = true
      await agent.dispose()
      await close?.()
    }
    cleanups.push(shutdown)
    return { agent, store, shutdown }
  }

  const tags = (events: ReadonlyArray<{ readonly _tag: string }>) => events.map((event) => event._tag)

  describe(`${name}: runs resumed across stores`, () => {
    it('a run paused by one agent and store is continued by new ones on the same database, the tool running once', async () => {
      const shared = await database()
      const executions: Array<string> = []

      const first = await boot(shared, executions)
      const paused = await first.agent.run('Move 40 to savings')
      expect(paused.status).toBe('paused')
      // The first "process" goes away entirely: its engine and its store.
      await first.shutdown()
      expect(executions).toStrictEqual([])

      const second = await boot(shared, executions)
      const reloaded = await second.agent.getRun(paused.runId)
      expect(reloaded.status).toBe('paused')
      reloaded.activeRequirements[0]!.confirm()
      const done = await second.agent.continueRun(reloaded)

      expect(done).toMatchObject({ status: 'completed', content: treasurerAnswer })
      expect(executions).toStrictEqual([`${paused.runId}:call_1_1`])
      const events = await Effect.runPromise(second.store.readEvents(paused.runId, 0))
      expect(events.map((event) => event.seq)).toStrictEqual(events.map((_, index) => index + 1))
      expect(tags(events)).toEqual(
        expect.arrayContaining(['RunPaused', 'RequirementResolved', 'RunContinued', 'ToolCallCompleted']),
      )
      expect(events.at(-1)?._tag).toBe('RunCompleted')

      // Continuing it again, from yet another agent, runs nothing more.
      const third = await boot(shared, executions)
      await expect(third.agent.continueRun({ runId: paused.runId })).rejects.toBeInstanceOf(RunNotContinuable)
      expect(executions).toHaveLength(1)
    })

    it('a workflow paused by one store is continued pause after pause by new ones, each step and tool running once', async () => {
      const shared = await database()
      const effects: Array<string> = []
      /** A "process" with a store of its own over the database, running the workflow. */
      const open = async () => {
        const { store, close } = await shared.open()
        const workflow = workflowPipeline.make(store, (key) => Promise.resolve(void effects.push(key)))
        const shutdown = async () => {
          await workflow.dispose()
          await close?.()
        }
        cleanups.push(shutdown)
        return { workflow, store, shutdown }
      }
      const first = await open()
      let run = await first.workflow.run(workflowPipeline.input)
      await first.shutdown()
      let pauses = 0
      while (run.status === 'paused') {
        pauses++
        const next = await open()
        const found = await next.workflow.getRun(run.runId)
        for (const requirement of found.activeRequirements) workflowPipeline.decide(requirement)
        run = await next.workflow.continueRun(found)
        const events = await Effect.runPromise(next.store.readEvents(run.runId, 0))
        expect(events.map((event) => event.seq)).toStrictEqual(events.map((_, index) => index + 1))
        await next.shutdown()
      }
      expect(pauses).toBe(workflowPipeline.pauses)
      expect(run).toMatchObject({ status: 'completed', content: workflowPipeline.expectedContent })
      expect([...effects].sort()).toStrictEqual([...workflowPipeline.expectedEffects].sort())
    })

    it('of 20 concurrent continues from two agents on two stores, one resumes the run and the tool runs once', async () => {
      const shared = await database()
      const executions: Array<string> = []
      const [first, second] = [await boot(shared, executions), await boot(shared, executions)]
      const paused = await first.agent.run('Move 40 to savings')
      await second.agent.resolve(paused.runId, [Resolutions.confirm(paused.activeRequirements[0]!.id)])

      const settled = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 === 0 ? first : second).agent.continueRun({ runId: paused.runId }),
        ),
      )

      expect(executions).toStrictEqual([`${paused.runId}:call_1_1`])
      const fulfilled = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []))
      expect(fulfilled.map((output) => output.status)).toStrictEqual(['completed'])
      for (const result of settled)
        if (result.status === 'rejected')
          expect(
            [RunClaimed, RunNotContinuable, RequirementAlreadyResolved].some(
              (typed) => result.reason instanceof typed,
            ),
            String(result.reason),
          ).toBe(true)
      const events = await Effect.runPromise(first.store.readEvents(paused.runId, 0))
      expect(tags(events).filter((tag) => tag === 'RunContinued')).toHaveLength(1)
      expect(tags(events).filter((tag) => tag === 'ToolCallStarted')).toHaveLength(1)
      expect(tags(events).filter((tag) => tag === 'RunCompleted')).toHaveLength(1)
      expect((await second.agent.getRun(paused.runId)).status).toBe('completed')
    })

    it('of 50 concurrent decisions on one approval through two stores, exactly one wins and the tool runs at most once', async () => {
      const shared = await database()
      const executions: Array<string> = []
      const [first, second] = [
        await boot(shared, executions, 'approval'),
        await boot(shared, executions, 'approval'),
      ]
      const apps = [first, second].map(({ agent, store }) => {
        const app = new Countersign({ agents: [agent], store, sweepEvery: false })
        cleanups.push(() => app.dispose())
        return app
      })
      const paused = await first.agent.run('Move 40 to savings')
      const approvalId = paused.activeRequirements[0]!.id
      expect((await apps[1]!.approvals.get(approvalId)).status).toBe('pending')

      const settled = await Promise.allSettled(
        Array.from({ length: 50 }, (_, i) =>
          apps[i % 2]!.approvals.decide(
            approvalId,
            { approved: i % 3 !== 0, note: `decider ${i}` },
            { principal: { id: `approver-${i}`, roles: ['approver'] } },
          ),
        ),
      )

      const won = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []))
      expect(won).toHaveLength(1)
      for (const result of settled)
        if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(ApprovalAlreadyResolved)
      for (const app of apps)
        expect(await app.approvals.get(approvalId)).toMatchObject({
          status: won[0]!.status,
          note: won[0]!.note,
          resolvedBy: { id: won[0]!.resolvedBy!.id },
        })
      const done = await second.agent.continueRun({ runId: paused.runId })
      expect(done.status).toBe('completed')
      expect(executions).toHaveLength(won[0]!.status === 'approved' ? 1 : 0)
      expect((await apps[0]!.approvals.get(approvalId)).runStatus).toBe('completed')
    })
  })

  /*
   * The engine that paused a run holds the pause, and continues it without reading it back. What
   * another process did meanwhile must still win: the store refuses the held claim, and nothing
   * runs on a decision nobody may make any more.
   */
  describe(`${name}: a pause held by the engine that stored it`, () => {
    /** A run paused through A, which holds it, and a second "process" B over the same database. */
    const pausedInA = async () => {
      const shared = await database()
      const executions: Array<string> = []
      const [a, b] = [await boot(shared, executions), await boot(shared, executions)]
      const paused = await a.agent.run('Move 40 to savings')
      expect(paused.status).toBe('paused')
      const requirementId = paused.activeRequirements[0]!.id
      return { a, b, executions, paused, requirementId }
    }

    it('rejected and continued through B, a confirm through A is refused and the tool never runs', async () => {
      const { a, b, executions, paused, requirementId } = await pausedInA()
      const rejected = await b.agent.continueRun({
        runId: paused.runId,
        resolutions: [Resolutions.reject(requirementId, 'not today')],
      })
      expect(rejected.status).toBe('completed')

      const error = await a.agent
        .continueRun({ runId: paused.runId, resolutions: [Resolutions.confirm(requirementId)] })
        .then(
          () => undefined,
          (failure: unknown) => failure,
        )
      expect(
        [RunNotContinuable, RequirementAlreadyResolved].some((typed) => error instanceof typed),
        String(error),
      ).toBe(true)
      expect(executions).toStrictEqual([])
      const stored = await b.agent.getRun(paused.runId)
      expect(stored.requirements[0]).toMatchObject({ id: requirementId, isResolved: true })
      expect(stored.requirements[0]!.resolution).toMatchObject({ approved: false, note: 'not today' })
      const events = await Effect.runPromise(b.store.readEvents(paused.runId, 0))
      expect(tags(events).filter((tag) => tag === 'RunContinued')).toHaveLength(1)
      expect(tags(events)).not.toContain('ToolCallStarted')
    })

    it('rejected through B without continuing, a confirm through A is RequirementAlreadyResolved; the run goes on with the rejection', async () => {
      const { a, b, executions, paused, requirementId } = await pausedInA()
      await b.agent.resolve(paused.runId, [Resolutions.reject(requirementId, 'not today')])

      await expect(
        a.agent.continueRun({ runId: paused.runId, resolutions: [Resolutions.confirm(requirementId)] }),
      ).rejects.toBeInstanceOf(RequirementAlreadyResolved)
      expect(executions).toStrictEqual([])
      expect((await b.agent.getRun(paused.runId)).status).toBe('paused')

      const done = await a.agent.continueRun({ runId: paused.runId })
      expect(done.status).toBe('completed')
      expect(done.toolExecutions[0]).toMatchObject({ status: 'skipped' })
      expect(executions).toStrictEqual([])
    })

    it("rejected through B, A's continue without decisions goes on with the rejection, and the tool never runs", async () => {
      const { a, b, executions, paused, requirementId } = await pausedInA()
      await b.agent.resolve(paused.runId, [Resolutions.reject(requirementId, 'not today')])

      const done = await a.agent.continueRun({ runId: paused.runId })
      expect(done.status).toBe('completed')
      expect(done.toolExecutions[0]).toMatchObject({ status: 'skipped' })
      expect(executions).toStrictEqual([])
      expect(done).toEqual(await b.agent.getRun(paused.runId))
    })

    it("continued or cancelled through B, A's continue without decisions is RunNotContinuable", async () => {
      const first = await pausedInA()
      await first.b.agent.continueRun({
        runId: first.paused.runId,
        resolutions: [Resolutions.reject(first.requirementId)],
      })
      await expect(first.a.agent.continueRun({ runId: first.paused.runId })).rejects.toBeInstanceOf(
        RunNotContinuable,
      )
      const second = await pausedInA()
      await second.b.agent.cancelRun(second.paused.runId)
      await expect(second.a.agent.continueRun({ runId: second.paused.runId })).rejects.toBeInstanceOf(
        RunNotContinuable,
      )
      expect([...first.executions, ...second.executions]).toStrictEqual([])
      const events = await Effect.runPromise(first.b.store.readEvents(first.paused.runId, 0))
      expect(tags(events).filter((tag) => tag === 'RunContinued')).toHaveLength(1)
    })

    it('cancelled through B, a confirm through A is RunNotContinuable and the tool never runs', async () => {
      const { a, b, executions, paused, requirementId } = await pausedInA()
      expect((await b.agent.cancelRun(paused.runId)).status).toBe('cancelled')

      await expect(
        a.agent.continueRun({ runId: paused.runId, resolutions: [Resolutions.confirm(requirementId)] }),
      ).rejects.toBeInstanceOf(RunNotContinuable)
      expect(executions).toStrictEqual([])
      const stored = await b.agent.getRun(paused.runId)
      expect(stored.status).toBe('cancelled')
      expect(stored.requirements[0]).toMatchObject({ id: requirementId, isResolved: true })
    })

    it('continued through A from what it holds, the run and its answer are what the store says', async () => {
      const { a, b, executions, paused, requirementId } = await pausedInA()
      const done = await a.agent.continueRun({
        runId: paused.runId,
        resolutions: [Resolutions.confirm(requirementId)],
      })

      expect(done.status).toBe('completed')
      expect(executions).toStrictEqual([`${paused.runId}:call_1_1`])
      // Down to its requirements' records: the decision as the store keeps it, who made it, when.
      expect(done).toEqual(await b.agent.getRun(paused.runId))
    })
  })
}
