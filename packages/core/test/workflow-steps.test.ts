import { Effect, Option } from 'effect'
import { describe, expect, it } from 'vitest'
import {
  approveOutput,
  editOutput,
  InvalidResolution,
  NotAllowedToResolve,
  Policy,
  rejectOutput,
  RequirementAlreadyResolved,
  RequirementsUnresolved,
  ScriptedModel,
  defineAgent,
  Workflow,
  type StepSpec,
} from '../src/index.js'
import { makeLedger, single } from './fixtures.js'
import {
  counted,
  draftProposal,
  eventsOf,
  fetchData,
  finalize,
  outputsOf,
  processData,
  saveData,
  stepTrail,
} from './workflowFixtures.js'

/*
 * Agno's workflow step HITL (tests/integration/workflows/test_hitl.py and
 * test_hitl_output_review.py), translated: a step asks before it runs, asks for input, or has
 * its output reviewed; what a person decides is a requirement of the workflow's run.
 */

/** fetch → process (with the given review) → save, as in Agno's tests. */
const pipeline = (process: Omit<StepSpec, 'name' | 'executor'>) =>
  new Workflow({
    id: 'pipeline',
    steps: [
      Workflow.step({ name: 'fetch', executor: fetchData }),
      Workflow.step({ name: 'process', executor: processData, ...process }),
      Workflow.step({ name: 'save', executor: saveData }),
    ],
  })

const storedRun = (workflow: Workflow, runId: string) =>
  Effect.runPromise(Effect.map(workflow.store.getRun(runId), Option.getOrThrow))

describe('step confirmation', () => {
  it('pauses before the step with its message, as a requirement of the workflow run', async () => {
    const workflow = pipeline({ requiresConfirmation: true, confirmationMessage: 'Proceed with processing?' })
    const paused = await workflow.run('test data')
    expect(paused.status).toBe('paused')
    expect(paused.kind).toBe('workflow')
    const requirement = single(paused.activeRequirements)
    expect(requirement).toMatchObject({
      kind: 'step_confirmation',
      toolCall: { id: 'process', name: 'process', args: {} },
      request: { message: 'Proceed with processing?', stepType: 'step' },
      member: undefined,
    })
    expect(requirement.needsConfirmation).toBe(true)
    expect(paused.content).toContain('process')
    expect(stepTrail(await eventsOf(workflow.store, paused.runId))).toEqual([
      'RunStarted',
      'StepStarted:fetch',
      'StepCompleted:fetch',
      'StepStarted:process',
      'StepPaused:process',
      'RunPaused',
    ])
  })

  it('confirmed, the step runs and the workflow completes', async () => {
    const workflow = pipeline({ requiresConfirmation: true })
    const paused = await workflow.run('test data')
    paused.activeRequirements[0]!.confirm()
    const done = await workflow.continueRun(paused)
    expect(done.status).toBe('completed')
    expect(done.content).toBe('Data saved: Processed data with preference: default')
  })

  it('rejected with onReject cancel, the run is cancelled with the reason; later steps never run', async () => {
    const ledger = makeLedger()
    const workflow = new Workflow({
      id: 'pipeline',
      steps: [
        Workflow.step({ name: 'fetch', executor: fetchData }),
        Workflow.step({
          name: 'process',
          executor: processData,
          requiresConfirmation: true,
          onReject: 'cancel',
        }),
        Workflow.step({ name: 'save', executor: counted(ledger, 'save') }),
      ],
    })
    const paused = await workflow.run('test data')
    paused.activeRequirements[0]!.reject()
    const done = await workflow.continueRun(paused)
    expect(done.status).toBe('cancelled')
    expect(done.content).toBe("Workflow cancelled: Step 'process' was rejected")
    expect((await eventsOf(workflow.store, done.runId)).at(-1)).toMatchObject({
      _tag: 'RunCancelled',
      reason: "Step 'process' was rejected",
    })
    expect(ledger.calls).toEqual([])
  })

  it('rejected with the default onReject (skip), the step is skipped and the next gets the output before it', async () => {
    const workflow = pipeline({ requiresConfirmation: true })
    const paused = await workflow.run('test data')
    paused.activeRequirements[0]!.reject('not now')
    const done = await workflow.continueRun(paused)
    expect(done.status).toBe('completed')
    expect(done.content).toBe('Data saved: Fetched data from source')
    const events = await eventsOf(workflow.store, done.runId)
    expect(events.find((event) => event._tag === 'StepSkipped')).toMatchObject({
      stepName: 'process',
      reason: "Step 'process' was rejected",
    })
  })

  it('with onReject retry, a rejection asks again; past maxRetries the run is cancelled', async () => {
    const workflow = pipeline({ requiresConfirmation: true, onReject: 'retry', maxRetries: 1 })
    const first = await workflow.run('test data')
    first.activeRequirements[0]!.reject('wait for the freeze to end')
    const second = await workflow.continueRun(first)
    expect(second.status).toBe('paused')
    expect(single(second.activeRequirements).toolCall.id).toBe('process@1')
    expect(second.requirements).toHaveLength(2)
    second.activeRequirements[0]!.reject()
    const done = await workflow.continueRun(second)
    expect(done.status).toBe('cancelled')
    expect(done.content).toBe("Workflow cancelled: Step 'process' was rejected 2 times")
  })
})

describe('step user input', () => {
  const preference = {
    requiresUserInput: true,
    userInputMessage: 'Please provide your preference',
    userInputSchema: [
      {
        name: 'preference',
        type: 'string',
        description: 'Your preference',
        allowedValues: ['fast', 'thorough'],
      },
    ],
  } as const

  it('the values a person gives reach the step (preference="fast")', async () => {
    const workflow = pipeline(preference)
    const paused = await workflow.run('test data')
    const requirement = single(paused.activeRequirements)
    expect(requirement.needsUserInput).toBe(true)
    expect(requirement.request).toMatchObject({ message: 'Please provide your preference' })
    expect(requirement.userInputSchema).toEqual([
      {
        name: 'preference',
        type: 'string',
        description: 'Your preference',
        required: true,
        allowedValues: ['fast', 'thorough'],
      },
    ])
    requirement.provideUserInput({ preference: 'fast' })
    const done = await workflow.continueRun(paused)
    expect(done.status).toBe('completed')
    expect(outputsOf(await eventsOf(workflow.store, done.runId)).process).toBe(
      'Processed data with preference: fast',
    )
  })

  it('a step with a form and a confirmation asks the form first, then confirms the step as filled in', async () => {
    const workflow = pipeline({ ...preference, requiresConfirmation: true })
    const paused = await workflow.run('test data')
    const form = single(paused.activeRequirements)
    expect(form.kind).toBe('step_user_input')
    form.provideUserInput({ preference: 'thorough' })
    const filled = await workflow.continueRun(paused)
    const confirmation = single(filled.activeRequirements)
    expect(confirmation.kind).toBe('step_confirmation')
    expect(confirmation.request).toMatchObject({ input: { preference: 'thorough' } })
    confirmation.confirm()
    const done = await workflow.continueRun(filled)
    expect(outputsOf(await eventsOf(workflow.store, done.runId)).process).toBe(
      'Processed data with preference: thorough',
    )
  })

  it('a value of the wrong type, or not among the allowed ones, is refused with a typed error and nothing is recorded', async () => {
    const workflow = pipeline(preference)
    const paused = await workflow.run('test data')
    const requirement = single(paused.activeRequirements)
    expect(() => requirement.provideUserInput({ preference: 'slow' })).toThrow(InvalidResolution)
    expect(() => requirement.provideUserInput({ preference: 3 })).toThrow(InvalidResolution)
    expect(() => requirement.provideUserInput({})).toThrow(InvalidResolution)
    expect(requirement.isResolved).toBe(false)
    const before = await storedRun(workflow, paused.runId)
    const refused = await workflow
      .continueRun({
        runId: paused.runId,
        resolutions: [{ requirementId: requirement.id, value: { values: { preference: 'slow' } } }],
      })
      .catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(InvalidResolution)
    expect((refused as InvalidResolution).reason).toContain('must be one of ["fast","thorough"]')
    expect(await storedRun(workflow, paused.runId)).toEqual(before)
    expect((await workflow.getRun(paused.runId)).activeRequirements.map(({ id }) => id)).toEqual([
      requirement.id,
    ])
  })

  it('an agent step gets the values as user preferences after its input', async () => {
    const model = ScriptedModel.make(['Planned.'])
    const workflow = new Workflow({
      id: 'trip',
      steps: [
        Workflow.step({
          name: 'plan',
          executor: defineAgent({ id: 'planner', model }),
          ...preference,
        }),
      ],
    })
    const paused = await workflow.run('Plan a trip to Kyoto')
    paused.activeRequirements[0]!.provideUserInput({ preference: 'thorough' })
    const done = await workflow.continueRun(paused)
    expect(done.content).toBe('Planned.')
    expect(model.requests[0]!.messages[0]).toEqual({
      _tag: 'User',
      content: 'Plan a trip to Kyoto\n\nUser preferences:\n- preference: thorough',
    })
  })
})

describe('step output review', () => {
  const reviewed = (review: Omit<StepSpec, 'name' | 'executor'>, executor = draftProposal) =>
    new Workflow({
      id: 'proposal',
      steps: [
        Workflow.step({ name: 'draft', executor, outputReviewMessage: 'Review the draft?', ...review }),
        Workflow.step({ name: 'finalize', executor: finalize }),
      ],
    })

  it('pauses after the step with its output; approved, the output goes on', async () => {
    const workflow = reviewed({ requiresOutputReview: true, onReject: 'retry' })
    const paused = await workflow.run('write proposal')
    expect(single(paused.activeRequirements)).toMatchObject({
      kind: 'step_output_review',
      toolCall: { id: 'draft', name: 'draft' },
      request: { message: 'Review the draft?', stepType: 'step', output: '[Draft] Initial project proposal' },
    })
    paused.activeRequirements[0]!.resolve(approveOutput())
    const done = await workflow.continueRun(paused)
    expect(done.status).toBe('completed')
    expect(done.content).toBe('[Final] [Draft] Initial project proposal')
  })

  it('rejected with feedback, the step runs again with the feedback and its previous output, and is reviewed again', async () => {
    const ledger = makeLedger()
    const seen: Array<unknown> = []
    const workflow = reviewed({ requiresOutputReview: true, onReject: 'retry' }, (input) => {
      ledger.record('draft', {}, '')
      seen.push(input.rejection)
      return draftProposal(input)
    })
    const paused = await workflow.run('write proposal')
    paused.activeRequirements[0]!.resolve(rejectOutput('Make it more concise'))
    const again = await workflow.continueRun(paused)
    expect(again.status).toBe('paused')
    expect(single(again.activeRequirements)).toMatchObject({
      toolCall: { id: 'draft@1' },
      request: { output: '[Revised draft] Addressed feedback: Make it more concise' },
    })
    expect(seen).toEqual([
      undefined,
      { feedback: 'Make it more concise', previousOutput: '[Draft] Initial project proposal' },
    ])
    again.activeRequirements[0]!.resolve(approveOutput())
    const done = await workflow.continueRun(again)
    expect(done.content).toBe('[Final] [Revised draft] Addressed feedback: Make it more concise')
    expect(ledger.count('draft')).toBe(2)
    const starts = (await eventsOf(workflow.store, done.runId)).filter(
      (event) => event._tag === 'StepStarted',
    )
    expect(starts.map((event) => [event.stepName, event.attempt])).toEqual([
      ['draft', 0],
      ['draft', 1],
      ['finalize', 0],
    ])
  })

  it('edited, the edit is the step output the next steps get', async () => {
    const workflow = reviewed({ requiresOutputReview: true, onReject: 'retry' })
    const paused = await workflow.run('write proposal')
    paused.activeRequirements[0]!.resolve(editOutput('Human-edited draft content'))
    const done = await workflow.continueRun(paused)
    expect(done.content).toBe('[Final] Human-edited draft content')
    expect(outputsOf(await eventsOf(workflow.store, done.runId)).draft).toBe('Human-edited draft content')
  })

  it('a predicate decides when the output needs review', async () => {
    const needsReview = (output: unknown) => String(output).toLowerCase().includes('error')
    const flagged = await reviewed(
      { requiresOutputReview: needsReview },
      () => 'Result contains an error flag',
    ).run('test')
    expect(flagged.status).toBe('paused')
    const clean = await reviewed({ requiresOutputReview: needsReview }, () => 'All good, no issues').run(
      'test',
    )
    expect(clean.status).toBe('completed')
    expect(clean.content).toBe('[Final] All good, no issues')
  })

  it('rejected past maxRetries, the run is cancelled', async () => {
    const workflow = reviewed({ requiresOutputReview: true, onReject: 'retry', maxRetries: 1 })
    const first = await workflow.run('test')
    first.activeRequirements[0]!.resolve(rejectOutput())
    const second = await workflow.continueRun(first)
    expect(second.status).toBe('paused')
    second.activeRequirements[0]!.resolve(rejectOutput())
    const done = await workflow.continueRun(second)
    expect(done.status).toBe('cancelled')
    expect(done.content).toBe("Workflow cancelled: Step 'draft' was rejected 2 times")
  })

  it('rejected with onReject cancel, the run is cancelled', async () => {
    const workflow = reviewed({ requiresOutputReview: true, onReject: 'cancel' })
    const paused = await workflow.run('test')
    paused.activeRequirements[0]!.resolve(rejectOutput('no'))
    expect((await workflow.continueRun(paused)).status).toBe('cancelled')
  })

  it('an answer not of the review’s shape is refused', async () => {
    const workflow = reviewed({ requiresOutputReview: true })
    const paused = await workflow.run('test')
    expect(() => paused.activeRequirements[0]!.resolve({ decision: 'maybe' })).toThrow(InvalidResolution)
    expect(() => paused.activeRequirements[0]!.confirm()).toThrow()
  })
})

describe('step failures', () => {
  const failing = () => {
    throw new Error('Intentional test failure')
  }

  it('fail the run by default, with the error', async () => {
    const workflow = new Workflow({
      id: 'failing',
      steps: [
        Workflow.step({ name: 'fetch', executor: fetchData }),
        Workflow.step({ name: 'failing', executor: failing }),
        Workflow.step({ name: 'save', executor: saveData }),
      ],
    })
    const done = await workflow.run('test data')
    expect(done.status).toBe('failed')
    expect(done.error).toBe("Step 'failing' failed: Intentional test failure")
  })

  it('with onError skip, are skipped', async () => {
    const workflow = new Workflow({
      id: 'failing',
      steps: [
        Workflow.step({ name: 'fetch', executor: fetchData }),
        Workflow.step({ name: 'failing', executor: failing, onError: 'skip' }),
        Workflow.step({ name: 'save', executor: saveData }),
      ],
    })
    const done = await workflow.run('test data')
    expect(done.status).toBe('completed')
    expect(done.content).toBe('Data saved: Fetched data from source')
  })
})

describe('continuing a paused workflow', () => {
  it('with its requirement undecided is RequirementsUnresolved, listing it; nothing changes', async () => {
    const workflow = pipeline({ requiresConfirmation: true })
    const paused = await workflow.run('test data')
    const before = await storedRun(workflow, paused.runId)
    const events = await eventsOf(workflow.store, paused.runId)
    const refused = await workflow.continueRun(paused).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(RequirementsUnresolved)
    expect((refused as RequirementsUnresolved).requirementIds).toEqual([paused.activeRequirements[0]!.id])
    expect(await storedRun(workflow, paused.runId)).toEqual(before)
    expect(await eventsOf(workflow.store, paused.runId)).toEqual(events)
  })

  it('in a chain of pauses, only the current pause is active; an earlier decision cannot be made again', async () => {
    const workflow = new Workflow({
      id: 'chain',
      steps: [
        Workflow.step({ name: 'first', executor: () => 'one', requiresConfirmation: true }),
        Workflow.step({ name: 'second', executor: () => 'two', requiresConfirmation: true }),
        Workflow.step({ name: 'third', executor: () => 'three', requiresConfirmation: true }),
      ],
    })
    let run = await workflow.run('go')
    const seen: Array<string> = []
    for (const step of ['first', 'second', 'third']) {
      expect(run.status).toBe('paused')
      const active = single(run.activeRequirements)
      expect(active.toolCall.name).toBe(step)
      expect(run.requirements.filter((requirement) => !requirement.isResolved)).toEqual([active])
      expect(run.requirements.map(({ id }) => id)).toEqual([...seen, active.id])
      seen.push(active.id)
      active.confirm()
      run = await workflow.continueRun(run)
    }
    expect(run.content).toBe('three')
    const stale = await workflow
      .continueRun({
        runId: run.runId,
        resolutions: [{ requirementId: seen[0]!, value: { approved: true } }],
      })
      .catch((error: unknown) => error)
    expect(stale).toMatchObject({ _tag: 'RunNotContinuable', status: 'completed' })
    const again = await workflow.resolve(run.runId, []).catch((error: unknown) => error)
    expect(again).toMatchObject({ _tag: 'RunNotContinuable' })
  })

  it('the workflow’s policies decide who may resolve its steps’ requirements', async () => {
    const workflow = new Workflow({
      id: 'guarded',
      policies: [
        Policy.make({ name: 'leads only', mayResolve: ({ principal }) => principal.roles.includes('lead') }),
      ],
      steps: [Workflow.step({ name: 'release', executor: () => 'released', requiresConfirmation: true })],
    })
    const paused = await workflow.run('go', { principal: { id: 'dev', roles: [] } })
    const confirm = [{ requirementId: paused.activeRequirements[0]!.id, value: { approved: true } }]
    await expect(workflow.continueRun({ runId: paused.runId, resolutions: confirm })).rejects.toBeInstanceOf(
      NotAllowedToResolve,
    )
    const done = await workflow.continueRun(
      { runId: paused.runId, resolutions: confirm },
      { principal: { id: 'lee', roles: ['lead'] } },
    )
    expect(done.content).toBe('released')
    expect(done.requirements[0]!.resolvedBy).toMatchObject({ id: 'lee' })
  })

  it('a decision made twice on one requirement object is refused', async () => {
    const workflow = pipeline({ requiresConfirmation: true })
    const requirement = (await workflow.run('test data')).activeRequirements[0]!
    requirement.confirm()
    expect(() => requirement.confirm()).toThrow(RequirementAlreadyResolved)
  })
})
