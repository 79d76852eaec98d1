import { it as effectIt } from '@effect/vitest'
import { Chunk, Effect, Layer, Option, Stream, TestClock } from 'effect'
import { describe, expect, it } from 'vitest'
import type { RunStore } from '../src/index.js'
import {
  defineWorkflow,
  MemoryStore,
  type RunEvent,
  RunEngine,
  Sweeper,
  Workflow,
  type OnTimeout,
  type RunOutput,
} from '../src/index.js'
import { workflowPipeline } from '../src/testing/index.js'
import { collect, gate, makeLedger, type Ledger, single, engineOver } from './fixtures.js'
import {
  counted,
  eventsOf,
  fetchData,
  gatedAgent,
  outputsOf,
  processData,
  saveData,
} from './workflowFixtures.js'

/*
 * A workflow run is rebuilt from the store on every stretch: resumed by the instance that
 * paused it or by a fresh one over the same store, it goes the same way. Its events stream in
 * order, each pause with its continuation; its deadlines are kept by the sweeper.
 */

/** A workflow with most kinds of pause: an agent's tool call, a parallel branch's confirmation, a loop's review. */
const tour = (store: RunStore, ledger: Ledger) =>
  new Workflow({
    id: 'tour',
    store,
    steps: [
      Workflow.step({ name: 'collect', executor: counted(ledger, 'collect', { rows: 3 }) }),
      Workflow.step({ name: 'write', executor: gatedAgent(ledger).agent }),
      Workflow.parallel({
        name: 'checks',
        steps: [
          Workflow.step({ name: 'lint', executor: counted(ledger, 'lint', 'clean') }),
          Workflow.step({
            name: 'approve',
            executor: counted(ledger, 'approve', 'approved'),
            requiresConfirmation: true,
          }),
        ],
      }),
      Workflow.loop({
        name: 'polish',
        steps: [
          Workflow.step({
            name: 'pass',
            executor: ({ previousOutput }) => `${JSON.stringify(previousOutput)}+`,
          }),
        ],
        maxIterations: 3,
        requiresIterationReview: true,
        onReject: 'retry',
      }),
    ],
  })

/** Decides every open requirement the tour's way: the second polish is approved, the first rejected. */
const decideTour = (run: RunOutput) => {
  for (const requirement of run.activeRequirements)
    if (requirement.kind === 'step_output_review')
      requirement.resolve(
        (requirement.request as { iteration: number }).iteration === 1
          ? { decision: 'reject', feedback: 'more' }
          : { decision: 'approve' },
      )
    else requirement.confirm()
}

describe('resume', () => {
  it('a fresh instance over the same store (a restart) continues each pause as the one that paused it would', async () => {
    const hotLedger = makeLedger()
    const hot = tour(MemoryStore.make(), hotLedger)
    let hotRun = await hot.run('Tour the pipeline')
    const hotPauses: Array<ReadonlyArray<string>> = []
    while (hotRun.status === 'paused') {
      hotPauses.push(hotRun.activeRequirements.map(({ kind, toolCall }) => `${kind}:${toolCall.name}`))
      decideTour(hotRun)
      hotRun = await hot.continueRun(hotRun)
    }

    const store = MemoryStore.make()
    const coldLedger = makeLedger()
    const first = tour(store, coldLedger)
    let coldRun = await first.run('Tour the pipeline')
    await first.dispose()
    const coldPauses: Array<ReadonlyArray<string>> = []
    while (coldRun.status === 'paused') {
      const fresh = tour(store, coldLedger)
      const found = await fresh.getRun(coldRun.runId)
      coldPauses.push(found.activeRequirements.map(({ kind, toolCall }) => `${kind}:${toolCall.name}`))
      decideTour(found)
      coldRun = await fresh.continueRun(found)
      await fresh.dispose()
    }

    expect(hotPauses).toEqual([
      ['confirmation:publish_draft'],
      ['step_confirmation:approve'],
      ['step_output_review:polish'],
      ['step_output_review:polish'],
    ])
    expect(coldPauses).toEqual(hotPauses)
    expect(coldRun.status).toBe('completed')
    expect(coldRun.content).toBe(hotRun.content)
    expect(coldRun.content).toBe('"{\\"lint\\":\\"clean\\",\\"approve\\":\\"approved\\"}+"+')
    const hotOutputs = outputsOf(await eventsOf(hot.store, hotRun.runId))
    expect(outputsOf(await eventsOf(store, coldRun.runId))).toEqual(hotOutputs)
    for (const ledger of [hotLedger, coldLedger])
      expect(ledger.calls.map(({ tool }) => tool).sort()).toEqual([
        'approve',
        'collect',
        'lint',
        'publish_draft',
      ])
  })

  it('a function cut off by its process stopping runs again on recovery, with the same idempotency key; those done do not', async () => {
    const store = MemoryStore.make()
    const ledger = makeLedger()
    const entered = gate()
    const pipeline = (load: (key: string) => Promise<string>) =>
      new Workflow({
        id: 'etl',
        store,
        steps: [
          Workflow.step({ name: 'extract', executor: counted(ledger, 'extract', 'rows') }),
          Workflow.step({
            name: 'load',
            executor: (_input, context) => {
              ledger.record('load', {}, context.idempotencyKey)
              return load(context.idempotencyKey)
            },
          }),
        ],
      })
    const dying = pipeline(() => {
      entered.open()
      return new Promise(() => {})
    })
    const cutOff = dying.run('nightly').catch((error: unknown) => error)
    await entered.opened
    await dying.dispose()
    expect(await cutOff).toMatchObject({ _tag: 'EngineStopped' })
    const runId = single(ledger.calls.filter(({ tool }) => tool === 'load')).idempotencyKey.split(':')[0]!

    const recovered = await pipeline((key) => Promise.resolve(`loaded with ${key}`)).recoverRun(runId, {
      interruptedCalls: 'retry',
    })
    expect(recovered.status).toBe('completed')
    expect(recovered.content).toBe(`loaded with ${runId}:load`)
    expect(ledger.calls.map(({ tool, idempotencyKey }) => [tool, idempotencyKey])).toEqual([
      ['extract', `${runId}:extract`],
      ['load', `${runId}:load`],
      ['load', `${runId}:load`],
    ])
  })

  it('of 20 concurrent continues, one resumes the run: the gated step runs once', async () => {
    const ledger = makeLedger()
    const workflow = new Workflow({
      id: 'deploy',
      steps: [
        Workflow.step({ name: 'build', executor: counted(ledger, 'build') }),
        Workflow.step({ name: 'deploy', executor: counted(ledger, 'deploy'), requiresConfirmation: true }),
      ],
    })
    const paused = await workflow.run('ship')
    await workflow.resolve(paused.runId, [
      { requirementId: paused.activeRequirements[0]!.id, value: { approved: true } },
    ])
    const settled = await Promise.allSettled(
      Array.from({ length: 20 }, () => workflow.continueRun({ runId: paused.runId })),
    )
    expect(settled.filter(({ status }) => status === 'fulfilled')).toHaveLength(1)
    for (const result of settled)
      if (result.status === 'rejected')
        expect(['RunClaimed', 'RunNotContinuable']).toContain((result.reason as { _tag: string })._tag)
    expect(ledger.calls.map(({ tool }) => tool)).toEqual(['build', 'deploy'])
    expect((await workflow.getRun(paused.runId)).status).toBe('completed')
  })

  it('the workflow scenario of the cold-resume suites plays through a fresh instance per pause', async () => {
    const store = MemoryStore.make()
    const effects: Array<string> = []
    const effect = (key: string) => Promise.resolve(void effects.push(key))
    const first = workflowPipeline.make(store, effect)
    let run = await first.run(workflowPipeline.input)
    await first.dispose()
    let pauses = 0
    while (run.status === 'paused') {
      pauses++
      const fresh = workflowPipeline.make(store, effect)
      const found = await fresh.getRun(run.runId)
      for (const requirement of found.activeRequirements) workflowPipeline.decide(requirement)
      run = await fresh.continueRun(found)
      await fresh.dispose()
    }
    expect(pauses).toBe(workflowPipeline.pauses)
    expect(run.content).toBe(workflowPipeline.expectedContent)
    expect(effects.sort()).toEqual([...workflowPipeline.expectedEffects].sort())
  })
})

describe('streaming', () => {
  it('events come in order, numbered without gaps; each StepPaused is followed, once continued, by its StepContinued', async () => {
    const ledger = makeLedger()
    const workflow = tour(MemoryStore.make(), ledger)
    const streamed: Array<RunEvent> = await collect(workflow.runStream('Tour the pipeline'))
    expect(streamed.slice(-2).map(({ _tag }) => _tag)).toEqual(['StepPaused', 'RunPaused'])
    const runId = streamed[0]!.runId
    for (;;) {
      const run = await workflow.getRun(runId)
      if (run.status !== 'paused') break
      const open = run.activeRequirements.length
      decideTour(run)
      const continued = await collect(workflow.continueRunStream(run))
      expect(continued.slice(0, open + 2).map(({ _tag }) => _tag)).toEqual([
        ...Array<string>(open).fill('RequirementResolved'),
        'RunContinued',
        'StepContinued',
      ])
      streamed.push(...continued)
    }
    const stored = await eventsOf(workflow.store, runId)
    expect(streamed).toEqual(stored)
    expect(stored.map(({ seq }) => seq)).toEqual(stored.map((_, index) => index + 1))
    const paused = stored.flatMap((event, index) => (event._tag === 'StepPaused' ? [{ event, index }] : []))
    expect(paused.map(({ event }) => event.stepName)).toEqual(['write', 'approve', 'polish', 'polish'])
    for (const { event, index } of paused)
      expect(
        stored.findIndex(
          (later, at) => at > index && later._tag === 'StepContinued' && later.stepKey === event.stepKey,
        ),
      ).toBeGreaterThan(stored.findIndex((later, at) => at > index && later._tag === 'RunContinued'))
    expect(stored.filter(({ _tag }) => _tag === 'StepContinued')).toHaveLength(paused.length)
    expect(stored.at(-1)).toMatchObject({ _tag: 'RunCompleted' })
  })
})

const hour = 3_600_000

/** fetch → process (confirmation, an hour to answer) → save. */
const timed = (onTimeout: OnTimeout, ledger: Ledger) =>
  defineWorkflow({
    id: 'timed',
    steps: [
      Workflow.step({ name: 'fetch', executor: fetchData }),
      Workflow.step({
        name: 'process',
        executor: (input, context) => {
          ledger.record('process', {}, context.idempotencyKey)
          return processData(input)
        },
        requiresConfirmation: true,
        timeout: '1 hour',
        onTimeout,
      }),
      Workflow.step({ name: 'save', executor: saveData }),
    ],
  })

/** Pauses a run, then lets an hour pass under a sweeper in a new engine: the events after the pause, and the run. */
const lapse = (onTimeout: OnTimeout, ledger: Ledger) =>
  Effect.gen(function* () {
    const store = MemoryStore.make()
    const workflow = timed(onTimeout, ledger)
    const paused = yield* Effect.flatMap(RunEngine.RunEngine, (engine) =>
      engine.run(workflow, 'test data'),
    ).pipe(Effect.provide(engineOver(store)))
    expect(single(paused.activeRequirements)).toMatchObject({
      expiresAt: hour,
      onExpire: { cancel: 'cancel', skip: 'reject', approve: 'approve' }[onTimeout],
    })
    const lastSeq = Option.getOrThrow(yield* store.getRun(paused.runId)).lastSeq
    return yield* Effect.scoped(
      Effect.gen(function* () {
        const engine = yield* RunEngine.RunEngine
        yield* TestClock.adjust('59 minutes')
        expect((yield* engine.getRun(workflow, paused.runId)).status).toBe('paused')
        yield* TestClock.adjust('1 minute')
        const events = Chunk.toArray(
          yield* Stream.runCollect(engine.followRun(workflow, paused.runId, lastSeq)),
        )
        return { events, run: yield* engine.getRun(workflow, paused.runId) }
      }).pipe(
        Effect.provide(
          Sweeper.layer([workflow], { every: '1 minute' }).pipe(Layer.provideMerge(engineOver(store))),
        ),
      ),
    )
  })

describe('step timeouts, kept by the sweeper', () => {
  effectIt.effect('onTimeout skip: the step is skipped and the workflow goes on', () =>
    Effect.gen(function* () {
      const ledger = makeLedger()
      const { events, run } = yield* lapse('skip', ledger)
      expect(events.slice(0, 3)).toMatchObject([
        { _tag: 'RequirementResolved', lapsed: 'expired', resolvedBy: { id: 'countersign:sweeper' } },
        { _tag: 'RunContinued' },
        { _tag: 'StepContinued', stepName: 'process' },
      ])
      expect(events[3]).toMatchObject({
        _tag: 'StepSkipped',
        reason: "nobody decided on Step 'process' in time",
      })
      expect(run.status).toBe('completed')
      expect(run.content).toBe('Data saved: Fetched data from source')
      expect(ledger.calls).toEqual([])
    }),
  )

  effectIt.effect('onTimeout approve: the step goes ahead as if confirmed', () =>
    Effect.gen(function* () {
      const ledger = makeLedger()
      const { run } = yield* lapse('approve', ledger)
      expect(run.status).toBe('completed')
      expect(run.content).toBe('Data saved: Processed data with preference: default')
      expect(ledger.count('process')).toBe(1)
    }),
  )

  effectIt.effect('onTimeout cancel (the default): the run is cancelled', () =>
    Effect.gen(function* () {
      const ledger = makeLedger()
      const { events, run } = yield* lapse('cancel', ledger)
      expect(events.at(-1)).toMatchObject({ _tag: 'RunCancelled' })
      expect(run.status).toBe('cancelled')
      expect(run.requirements[0]).toMatchObject({
        isResolved: true,
        resolvedBy: { id: 'countersign:sweeper' },
      })
      expect(ledger.calls).toEqual([])
    }),
  )
})
