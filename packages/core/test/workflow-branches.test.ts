import { describe, expect, it } from 'vitest'
import {
  approveOutput,
  InvalidResolution,
  rejectOutput,
  selectRoutes,
  Workflow,
  type StepInput,
  type WorkflowComponent,
} from '../src/index.js'
import { makeLedger, single } from './fixtures.js'
import { counted, eventsOf, fetchData, outputsOf, saveData, stepTrail, text } from './workflowFixtures.js'

/*
 * Conditions, routers, loops and named sequences, with a person deciding (Agno's
 * test_nested_condition_hitl.py, test_hitl.py's router tests, test_hitl_output_review.py's
 * router and loop reviews), translated.
 */

const says = (text: string) => () => text
const step = (name: string, text = `${name} executed`) => Workflow.step({ name, executor: says(text) })
const finalReport = ({ previousOutput }: StepInput) =>
  `Final report: ${text(previousOutput ?? 'no previous')}`
const always = (holds: boolean) => () => holds

const workflowOf = (...steps: ReadonlyArray<WorkflowComponent>) => new Workflow({ id: 'tree', steps })

describe('conditions', () => {
  it('nested evaluators pick their branches without anyone being asked', async () => {
    const run = (outer: boolean, inner: boolean) =>
      workflowOf(
        step('gather', 'Data gathered'),
        Workflow.condition({
          name: 'outer',
          evaluator: always(outer),
          steps: [
            step('left'),
            Workflow.condition({
              name: 'inner',
              evaluator: always(inner),
              steps: [step('left_a')],
              elseSteps: [step('left_b')],
            }),
          ],
          elseSteps: [step('right')],
        }),
        Workflow.step({ name: 'report', executor: finalReport }),
      ).run('test')
    const trueTrue = await run(true, true)
    expect(trueTrue.content).toBe('Final report: left_a executed')
    expect((await run(true, false)).content).toBe('Final report: left_b executed')
    expect((await run(false, true)).content).toBe('Final report: right executed')
  })

  const decision = (onReject?: 'else' | 'skip' | 'cancel') =>
    workflowOf(
      step('gather', 'Data gathered'),
      Workflow.condition({
        name: 'decision',
        requiresConfirmation: true,
        confirmationMessage: 'Run detailed analysis?',
        ...(onReject === undefined ? {} : { onReject }),
        steps: [step('detailed', 'Detailed analysis complete')],
        elseSteps: [step('quick', 'Quick summary complete')],
      }),
      Workflow.step({ name: 'report', executor: finalReport }),
    )

  it('a person confirming runs the if-branch; rejecting runs the else branch (the default)', async () => {
    const workflow = decision()
    const paused = await workflow.run('test')
    expect(single(paused.activeRequirements)).toMatchObject({
      kind: 'step_confirmation',
      toolCall: { name: 'decision' },
      request: { message: 'Run detailed analysis?', stepType: 'condition' },
    })
    paused.activeRequirements[0]!.confirm()
    expect((await workflow.continueRun(paused)).content).toBe('Final report: Detailed analysis complete')

    const again = await workflow.run('test')
    again.activeRequirements[0]!.reject()
    const done = await workflow.continueRun(again)
    expect(done.content).toBe('Final report: Quick summary complete')
    expect(
      (await eventsOf(workflow.store, done.runId)).find((event) => event._tag === 'StepBranched'),
    ).toMatchObject({
      stepName: 'decision',
      branches: ['else'],
    })
  })

  it('rejected with skip, the condition is skipped; with cancel, the run is cancelled', async () => {
    const skipping = decision('skip')
    const skipped = await skipping.run('test')
    skipped.activeRequirements[0]!.reject()
    expect((await skipping.continueRun(skipped)).content).toBe('Final report: Data gathered')

    const cancelling = decision('cancel')
    const cancelled = await cancelling.run('test')
    cancelled.activeRequirements[0]!.reject()
    expect((await cancelling.continueRun(cancelled)).status).toBe('cancelled')
  })

  it('with an evaluator as well, a person is asked only when it says yes', async () => {
    const asked = (holds: boolean) =>
      workflowOf(
        Workflow.condition({
          name: 'risky',
          evaluator: always(holds),
          requiresConfirmation: true,
          steps: [step('deploy')],
          elseSteps: [step('hold')],
        }),
      ).run('go')
    expect((await asked(false)).content).toBe('hold executed')
    expect((await asked(true)).status).toBe('paused')
  })

  it('sequential conditions pause one after the other, each with only its own requirement active', async () => {
    const workflow = workflowOf(
      step('gather', 'Data gathered'),
      Workflow.condition({
        name: 'first_decision',
        requiresConfirmation: true,
        steps: [step('left', 'Left branch executed')],
        elseSteps: [step('right', 'Right branch executed')],
      }),
      Workflow.condition({
        name: 'second_decision',
        requiresConfirmation: true,
        steps: [step('deep', 'Deep dive complete')],
        elseSteps: [step('surface', 'Surface review complete')],
      }),
      Workflow.step({ name: 'report', executor: finalReport }),
    )
    const first = await workflow.run('test')
    expect(single(first.activeRequirements).toolCall.name).toBe('first_decision')
    first.activeRequirements[0]!.confirm()
    const second = await workflow.continueRun(first)
    expect(single(second.activeRequirements).toolCall.name).toBe('second_decision')
    second.activeRequirements[0]!.reject()
    const done = await workflow.continueRun(second)
    expect(done.content).toBe('Final report: Surface review complete')
    const outputs = outputsOf(await eventsOf(workflow.store, done.runId))
    expect(outputs).toMatchObject({
      left: 'Left branch executed',
      first_decision: 'Left branch executed',
      surface: 'Surface review complete',
    })
    expect(outputs).not.toHaveProperty('right')
    expect(outputs).not.toHaveProperty('deep')
  })

  it('a condition inside a confirmed condition asks in turn', async () => {
    const workflow = workflowOf(
      Workflow.condition({
        name: 'outer',
        requiresConfirmation: true,
        steps: [
          step('left', 'Left branch executed'),
          Workflow.condition({
            name: 'inner',
            requiresConfirmation: true,
            steps: [step('left_a', 'Left-A executed')],
            elseSteps: [step('left_b', 'Left-B executed')],
          }),
        ],
        elseSteps: [step('right', 'Right branch executed')],
      }),
    )
    const outer = await workflow.run('test')
    outer.activeRequirements[0]!.confirm()
    const inner = await workflow.continueRun(outer)
    expect(single(inner.activeRequirements).toolCall.name).toBe('inner')
    inner.activeRequirements[0]!.reject()
    expect((await workflow.continueRun(inner)).content).toBe('Left-B executed')
  })

  it('condition → loop → condition: each pause in turn, the loop between them run in full', async () => {
    const ledger = makeLedger()
    const workflow = workflowOf(
      Workflow.condition({
        name: 'start_analysis',
        requiresConfirmation: true,
        steps: [step('analysis', 'Analysis started')],
      }),
      Workflow.loop({
        name: 'refinement',
        steps: [
          Workflow.step({ name: 'refine', executor: counted(ledger, 'refine', 'Refinement complete') }),
        ],
        maxIterations: 2,
      }),
      Workflow.condition({
        name: 'publish_decision',
        requiresConfirmation: true,
        onReject: 'cancel',
        steps: [
          Workflow.step({
            name: 'publish',
            executor: ({ previousOutput }) => `Published: ${String(previousOutput)}`,
          }),
        ],
      }),
    )
    const first = await workflow.run('test')
    first.activeRequirements[0]!.confirm()
    const second = await workflow.continueRun(first)
    expect(single(second.activeRequirements).toolCall.name).toBe('publish_decision')
    expect(ledger.count('refine')).toBe(2)
    second.activeRequirements[0]!.confirm()
    const done = await workflow.continueRun(second)
    expect(done.content).toBe('Published: Refinement complete')
    expect(ledger.calls.map(({ idempotencyKey }) => idempotencyKey)).toEqual([
      `${done.runId}:refinement#1/refine`,
      `${done.runId}:refinement#2/refine`,
    ])
  })

  it('a named sequence asks once for all its steps', async () => {
    const workflow = workflowOf(
      step('fetch', 'Fetched data from source'),
      Workflow.steps({
        name: 'publishing',
        requiresConfirmation: true,
        steps: [step('format', 'Formatted'), step('upload', 'Uploaded')],
      }),
      Workflow.step({ name: 'save', executor: saveData }),
    )
    const confirmed = await workflow.run('go')
    confirmed.activeRequirements[0]!.confirm()
    expect((await workflow.continueRun(confirmed)).content).toBe('Data saved: Uploaded')
    const rejected = await workflow.run('go')
    rejected.activeRequirements[0]!.reject()
    expect((await workflow.continueRun(rejected)).content).toBe('Data saved: Fetched data from source')
  })
})

describe('routers', () => {
  const routes = (allowMultipleSelections = false) =>
    workflowOf(
      Workflow.step({ name: 'fetch', executor: fetchData }),
      Workflow.router({
        name: 'route_selector',
        requiresUserInput: true,
        userInputMessage: 'Select a route',
        allowMultipleSelections,
        choices: [
          step('route_a', 'Route A executed'),
          step('route_b', 'Route B executed'),
          step('route_c', 'Route C executed'),
        ],
      }),
      Workflow.step({ name: 'save', executor: saveData }),
    )

  it('a person chooses the route', async () => {
    const workflow = routes()
    const paused = await workflow.run('test data')
    const requirement = single(paused.activeRequirements)
    expect(requirement).toMatchObject({
      kind: 'route_selection',
      toolCall: { name: 'route_selector' },
      request: {
        message: 'Select a route',
        choices: ['route_a', 'route_b', 'route_c'],
        allowMultiple: false,
      },
    })
    requirement.resolve(selectRoutes('route_b'))
    const done = await workflow.continueRun(paused)
    expect(done.content).toBe('Data saved: Route B executed')
    const trail = stepTrail(await eventsOf(workflow.store, done.runId))
    expect(trail).toContain('StepBranched:route_selector')
    expect(trail).not.toContain('StepStarted:route_a')
  })

  it('a person chooses several routes, which run in the order chosen', async () => {
    const workflow = routes(true)
    const paused = await workflow.run('test data')
    expect(paused.activeRequirements[0]!.request).toMatchObject({ allowMultiple: true })
    paused.activeRequirements[0]!.resolve(selectRoutes('route_c', 'route_a'))
    const done = await workflow.continueRun(paused)
    expect(done.content).toBe('Data saved: Route A executed')
    const started = (await eventsOf(workflow.store, done.runId)).flatMap((event) =>
      event._tag === 'StepStarted' ? [event.stepName] : [],
    )
    expect(started).toEqual(['fetch', 'route_selector', 'route_c', 'route_a', 'save'])
  })

  it('a choice that is not offered, a repeated one, or several where one is allowed, are refused', async () => {
    const paused = await routes().run('test data')
    const requirement = single(paused.activeRequirements)
    expect(() => requirement.resolve(selectRoutes('route_z'))).toThrow(InvalidResolution)
    expect(() => requirement.resolve(selectRoutes('route_a', 'route_b'))).toThrow(InvalidResolution)
    expect(() => requirement.resolve({ selected: [] })).toThrow(InvalidResolution)
    const multiple = single((await routes(true).run('test data')).activeRequirements)
    expect(() => multiple.resolve(selectRoutes('route_a', 'route_a'))).toThrow(InvalidResolution)
    expect(requirement.isResolved).toBe(false)
  })

  const analysis = (choose: string, ledger = makeLedger()) =>
    workflowOf(
      Workflow.router({
        name: 'analysis',
        selector: () => choose,
        choices: [
          Workflow.step({
            name: 'quick',
            executor: counted(ledger, 'quick', 'Quick: basic trends, confidence 85%'),
          }),
          Workflow.step({ name: 'deep', executor: says('Deep: comprehensive patterns, confidence 97%') }),
        ],
        requiresOutputReview: true,
        outputReviewMessage: 'Approve?',
        onReject: 'retry',
      }),
      Workflow.step({
        name: 'report',
        executor: ({ previousOutput }) => `Report: ${String(previousOutput)}`,
      }),
    )

  it('its selector chooses; with output review, approval passes the route’s output on', async () => {
    const workflow = analysis('deep')
    const paused = await workflow.run('analyze')
    expect(single(paused.activeRequirements)).toMatchObject({
      kind: 'step_output_review',
      request: {
        stepType: 'router',
        message: 'Approve?',
        output: 'Deep: comprehensive patterns, confidence 97%',
      },
    })
    paused.activeRequirements[0]!.resolve(approveOutput())
    expect((await workflow.continueRun(paused)).content).toBe(
      'Report: Deep: comprehensive patterns, confidence 97%',
    )
  })

  it('a rejected review has a person choose the route again; a route chosen again runs afresh', async () => {
    const ledger = makeLedger()
    const workflow = analysis('quick', ledger)
    const reviewed = await workflow.run('analyze')
    reviewed.activeRequirements[0]!.resolve(rejectOutput())
    const choosing = await workflow.continueRun(reviewed)
    expect(single(choosing.activeRequirements)).toMatchObject({
      kind: 'route_selection',
      toolCall: { id: 'analysis@1' },
      request: { choices: ['quick', 'deep'] },
    })
    choosing.activeRequirements[0]!.resolve(selectRoutes('quick'))
    const again = await workflow.continueRun(choosing)
    expect(ledger.count('quick')).toBe(2)
    again.activeRequirements[0]!.resolve(rejectOutput())
    const third = await workflow.continueRun(again)
    third.activeRequirements[0]!.resolve(selectRoutes('deep'))
    const last = await workflow.continueRun(third)
    last.activeRequirements[0]!.resolve(approveOutput())
    const done = await workflow.continueRun(last)
    expect(done.content).toBe('Report: Deep: comprehensive patterns, confidence 97%')
    expect(Object.keys(outputsOf(await eventsOf(workflow.store, done.runId)))).toEqual([
      'quick',
      'analysis@1/quick',
      'analysis@2/deep',
      'analysis',
      'report',
    ])
  })
})

describe('loops', () => {
  const counter = ({ previousOutput }: StepInput) =>
    (typeof previousOutput === 'number' ? previousOutput : 0) + 1

  it('run until their end condition', async () => {
    const workflow = workflowOf(
      Workflow.loop({
        name: 'count',
        steps: [Workflow.step({ name: 'increment', executor: counter })],
        maxIterations: 5,
        endCondition: (output) => (output as number) >= 3,
      }),
    )
    const done = await workflow.run('go')
    expect(done.content).toBe('3')
    const iterations = (await eventsOf(workflow.store, done.runId)).filter(
      (event) => event._tag === 'LoopIterationCompleted',
    )
    expect(iterations.map((event) => [event.iteration, event.output, event.done])).toEqual([
      [1, 1, false],
      [2, 2, false],
      [3, 3, true],
    ])
  })

  it('stop at maxIterations', async () => {
    const workflow = workflowOf(
      Workflow.loop({
        name: 'count',
        steps: [Workflow.step({ name: 'increment', executor: counter })],
        maxIterations: 2,
      }),
    )
    expect((await workflow.run('go')).content).toBe('2')
  })

  const refine = (ledger = makeLedger()) =>
    workflowOf(
      Workflow.loop({
        name: 'refine',
        steps: [
          Workflow.step({
            name: 'analyze',
            executor: (input: StepInput, context) => {
              ledger.record('analyze', {}, context.idempotencyKey)
              const iteration = ledger.count('analyze')
              const feedback = input.rejection?.feedback
              return `Iteration ${iteration}: quality ${60 + iteration * 10}%${feedback === undefined ? '' : ` (feedback: ${feedback})`}`
            },
          }),
        ],
        maxIterations: 2,
        requiresIterationReview: true,
        iterationReviewMessage: 'Continue refining?',
        onReject: 'retry',
      }),
      Workflow.step({
        name: 'summarize',
        executor: ({ previousOutput }) => `Summary of: ${String(previousOutput)}`,
      }),
    )

  it('with iteration review, pause after each iteration; approving ends the loop', async () => {
    const workflow = refine()
    const paused = await workflow.run('improve analysis')
    expect(single(paused.activeRequirements)).toMatchObject({
      kind: 'step_output_review',
      toolCall: { id: 'refine#1', name: 'refine' },
      request: {
        stepType: 'loop',
        message: 'Continue refining?',
        iteration: 1,
        output: 'Iteration 1: quality 70%',
      },
    })
    paused.activeRequirements[0]!.resolve(approveOutput())
    expect((await workflow.continueRun(paused)).content).toBe('Summary of: Iteration 1: quality 70%')
  })

  it('a rejected iteration runs the next one with the feedback; rejecting the last cancels the run', async () => {
    const workflow = refine()
    const first = await workflow.run('improve analysis')
    first.activeRequirements[0]!.resolve(rejectOutput('dig deeper'))
    const second = await workflow.continueRun(first)
    expect(single(second.activeRequirements).request).toMatchObject({
      iteration: 2,
      output: 'Iteration 2: quality 80% (feedback: dig deeper)',
    })
    second.activeRequirements[0]!.resolve(rejectOutput())
    const done = await workflow.continueRun(second)
    expect(done.status).toBe('cancelled')
    expect(done.content).toBe("Workflow cancelled: Step 'refine' was rejected after 2 iterations")
  })

  it('a loop asking to start, rejected, is skipped', async () => {
    const ledger = makeLedger()
    const workflow = workflowOf(
      step('fetch', 'Fetched data from source'),
      Workflow.loop({
        name: 'polish',
        requiresConfirmation: true,
        steps: [Workflow.step({ name: 'polish_once', executor: counted(ledger, 'polish') })],
      }),
      Workflow.step({ name: 'save', executor: saveData }),
    )
    const paused = await workflow.run('go')
    expect(paused.activeRequirements[0]!.request).toMatchObject({ stepType: 'loop' })
    paused.activeRequirements[0]!.reject()
    expect((await workflow.continueRun(paused)).content).toBe('Data saved: Fetched data from source')
    expect(ledger.calls).toEqual([])
  })
})
