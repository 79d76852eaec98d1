import { Effect, Option } from 'effect'
import { describe, expect, it } from 'vitest'
import { Schema } from 'effect'
import {
  type AgentDefinition,
  approval,
  approveOutput,
  Countersign,
  defineAgent,
  MemoryStore,
  defineWorkflow,
  Tool,
  rejectOutput,
  type RunOutput,
  type RunStore,
  ScriptedModel,
  Workflow,
  type WorkflowComponent,
} from '../src/index.js'
import { makeLedger, single } from './fixtures.js'
import { counted, eventsOf, gatedAgent, gatedTool, outputsOf, stepTrail, teamOf } from './workflowFixtures.js'

/*
 * Agents and teams running steps (Agno's test_executor_hitl.py): their pauses are the
 * workflow's, and their runs resume where they stopped. Parallel branches that wait for people
 * (Agno ran them without asking, #10204).
 */

const stored = (store: RunStore, runId: string) =>
  Effect.runPromise(Effect.map(store.getRun(runId), Option.getOrThrow))

const workflowOf = (...steps: ReadonlyArray<WorkflowComponent>) => new Workflow({ id: 'flow', steps })

/** An agent that stages, then releases, each call waiting for a confirmation. */
const releaser = () => {
  const ledger = makeLedger()
  const model = ScriptedModel.make([
    { toolCalls: [{ name: 'stage', args: { target: 'draft' } }] },
    { toolCalls: [{ name: 'release', args: { target: 'draft' } }] },
    'Released.',
  ])
  const agent = defineAgent({
    id: 'releaser',
    model,
    tools: [gatedTool(ledger, 'stage'), gatedTool(ledger, 'release')],
  })
  return { ledger, model, agent }
}

/** A confirmation gate that cancels the workflow when rejected, in parallel with `agent` shipping. */
const gateBesideShipping = (agent: AgentDefinition) =>
  Workflow.parallel({
    name: 'both',
    steps: [
      Workflow.step({ name: 'gate', executor: () => 'open', requiresConfirmation: true, onReject: 'cancel' }),
      Workflow.step({ name: 'ship', executor: agent }),
    ],
  })

/** Rejects the gate and confirms what the shipping agent asks. */
const rejectGateConfirmShipping = (paused: RunOutput) => {
  for (const requirement of paused.activeRequirements)
    if (requirement.member === undefined) requirement.reject()
    else requirement.confirm()
}

describe('an agent or team running a step', () => {
  it('pauses the workflow with its requirement, and completes once it is confirmed; its run is never stored as cancelled', async () => {
    const ledger = makeLedger()
    const { agent } = gatedAgent(ledger)
    const workflow = workflowOf(
      Workflow.step({ name: 'research', executor: () => 'Notes on Kyoto' }),
      Workflow.step({ name: 'write', executor: agent }),
      Workflow.step({
        name: 'archive',
        executor: ({ previousOutput }) => `Archived: ${String(previousOutput)}`,
      }),
    )
    const paused = await workflow.run('Write about Kyoto')
    expect(paused.status).toBe('paused')
    const memberRunId = `${paused.runId}/write`
    const requirement = single(paused.activeRequirements)
    expect(requirement).toMatchObject({
      kind: 'confirmation',
      runId: paused.runId,
      toolCall: { name: 'publish_draft', args: { target: 'the blog' } },
      member: { agentId: 'writer', agentName: 'The writer', kind: 'agent', runId: memberRunId },
    })
    expect(requirement.needsConfirmation).toBe(true)
    expect(paused.content).toBe(
      'Workflow run paused. The following require input:\n- The writer: publish_draft requires confirmation',
    )
    expect(await stored(workflow.store, memberRunId)).toMatchObject({
      status: 'paused',
      parentRunId: paused.runId,
      input: 'Notes on Kyoto',
    })
    const events = await eventsOf(workflow.store, paused.runId)
    expect(stepTrail(events).slice(-5)).toEqual([
      'StepStarted:write',
      'MemberRunStarted',
      'MemberRunPaused',
      'StepPaused:write',
      'RunPaused',
    ])
    expect(events.find((event) => event._tag === 'StepPaused')).toMatchObject({
      why: 'executor',
      requirementIds: [requirement.id],
    })

    requirement.confirm()
    const done = await workflow.continueRun(paused)
    expect(done.status).toBe('completed')
    expect(done.content).toBe('Archived: writer finished: publish_draft done for the blog')
    expect(ledger.count('publish_draft')).toBe(1)
    expect(await stored(workflow.store, memberRunId)).toMatchObject({ status: 'completed' })
    expect(stepTrail(await eventsOf(workflow.store, done.runId)).slice(events.length)).toEqual([
      'RequirementResolved',
      'RunContinued',
      'StepContinued:write',
      'MemberRunContinued',
      'MemberRunCompleted',
      'StepCompleted:write',
      'StepStarted:archive',
      'StepCompleted:archive',
      'RunCompleted',
    ])
  })

  it('cancelling the paused workflow cancels its agent’s run, and its requirement lapses', async () => {
    const ledger = makeLedger()
    const workflow = workflowOf(Workflow.step({ name: 'write', executor: gatedAgent(ledger).agent }))
    const paused = await workflow.run('Write about Kyoto')
    const cancelled = await workflow.cancelRun(paused.runId, { principal: { id: 'ops', roles: [] } })
    expect(cancelled.status).toBe('cancelled')
    expect(cancelled.requirements[0]).toMatchObject({ isResolved: true, resolvedBy: { id: 'ops' } })
    expect(await stored(workflow.store, `${paused.runId}/write`)).toMatchObject({ status: 'cancelled' })
    expect(ledger.calls).toEqual([])
  })

  it('a rejected call is the agent’s to handle: it is told, and the step completes', async () => {
    const ledger = makeLedger()
    const workflow = workflowOf(Workflow.step({ name: 'write', executor: gatedAgent(ledger).agent }))
    const paused = await workflow.run('Write about Kyoto')
    paused.activeRequirements[0]!.reject('not on the blog')
    const done = await workflow.continueRun(paused)
    expect(done.content).toBe('writer finished: not on the blog')
    expect(ledger.calls).toEqual([])
  })

  it('a team step pauses with its member’s requirement, named by the member at any depth', async () => {
    const ledger = makeLedger()
    const team = teamOf('publishers', gatedAgent(ledger).agent)
    const workflow = workflowOf(Workflow.step({ name: 'publish', executor: team }))
    const paused = await workflow.run('Publish the post')
    const requirement = single(paused.activeRequirements)
    expect(requirement.member).toMatchObject({
      agentId: 'writer',
      runId: `${paused.runId}/publish/call_1_1/writer`,
    })
    requirement.confirm()
    const done = await workflow.continueRun(paused)
    expect(done.content).toBe('publishers: writer finished: publish_draft done for the blog')
    expect(await stored(workflow.store, `${paused.runId}/publish`)).toMatchObject({
      status: 'completed',
      kind: 'team',
    })
    expect(await stored(workflow.store, requirement.member!.runId)).toMatchObject({ status: 'completed' })
    expect(workflow.participants.has('writer')).toBe(true)
  })

  it('an agent pausing again after a continue has only its new requirement active', async () => {
    const { ledger, agent } = releaser()
    const workflow = workflowOf(Workflow.step({ name: 'ship', executor: agent }))
    const first = await workflow.run('Ship it')
    single(first.activeRequirements).confirm()
    const second = await workflow.continueRun(first)
    expect(second.status).toBe('paused')
    expect(single(second.activeRequirements).toolCall.name).toBe('release')
    expect(second.requirements.map((requirement) => requirement.isResolved)).toEqual([true, false])
    second.activeRequirements[0]!.confirm()
    const done = await workflow.continueRun(second)
    expect(done.content).toBe('Released.')
    expect(ledger.calls.map(({ tool }) => tool)).toEqual(['stage', 'release'])
    const events = await eventsOf(workflow.store, done.runId)
    expect(events.filter((event) => event._tag === 'StepPaused')).toHaveLength(2)
    expect(events.filter((event) => event._tag === 'StepContinued')).toHaveLength(2)
  })

  it('with output review and retry, each attempt is a run of its own, the next told the feedback', async () => {
    const model = ScriptedModel.make((request) =>
      request.messages[0]?.content.includes('shorter') === true ? 'A short draft.' : 'A very long draft.',
    )
    const workflow = workflowOf(
      Workflow.step({
        name: 'draft',
        executor: defineAgent({ id: 'drafter', model }),
        requiresOutputReview: true,
        onReject: 'retry',
      }),
    )
    const first = await workflow.run('Draft a post')
    expect(first.activeRequirements[0]!.request).toMatchObject({ output: 'A very long draft.' })
    first.activeRequirements[0]!.resolve(rejectOutput('shorter please'))
    const second = await workflow.continueRun(first)
    expect(second.activeRequirements[0]!.request).toMatchObject({ output: 'A short draft.' })
    expect(model.requests[1]!.messages[0]!.content).toBe(
      'Draft a post\n\nA reviewer rejected your previous answer: shorter please\nYour previous answer was:\nA very long draft.',
    )
    second.activeRequirements[0]!.resolve(approveOutput())
    const done = await workflow.continueRun(second)
    expect(done.content).toBe('A short draft.')
    expect(await stored(workflow.store, `${done.runId}/draft`)).toMatchObject({ status: 'completed' })
    expect(await stored(workflow.store, `${done.runId}/draft@1`)).toMatchObject({ status: 'completed' })
  })
})

describe('approvals in a workflow', () => {
  it('an approval a step’s agent needs is queued as the workflow’s, naming the agent; approved, the run goes on', async () => {
    const ledger = makeLedger()
    const payer = defineAgent({
      id: 'payer',
      name: 'Payer',
      model: ScriptedModel.make([{ toolCalls: [{ name: 'pay', args: { invoice: 7 } }] }, 'Paid invoice 7.']),
      tools: [
        Tool.make({
          name: 'pay',
          description: 'Pays an invoice',
          parameters: Schema.Struct({ invoice: Schema.Number }),
          approval: approval({ type: 'required', message: 'Pay it?' }),
          execute: (args, context) => void ledger.record('pay', args, context.idempotencyKey),
        }),
      ],
    })
    const billing = defineWorkflow({
      id: 'billing',
      name: 'Billing',
      steps: [Workflow.step({ name: 'pay', executor: payer })],
    })
    const app = new Countersign({ workflows: [billing], sweepEvery: false })
    const paused = await app.run('billing', 'Pay invoice 7')
    const { approvals } = await app.approvals.list()
    expect(single(approvals)).toMatchObject({
      id: paused.activeRequirements[0]!.id,
      runId: paused.runId,
      source: { type: 'workflow', id: 'billing', name: 'Billing' },
      member: { agentId: 'payer', runId: `${paused.runId}/pay` },
      toolName: 'pay',
      status: 'pending',
    })
    await app.approvals.decide(
      approvals[0]!.id,
      { approved: true },
      { principal: { id: 'ana', roles: ['approver'] } },
    )
    const done = await app.continueRun({ runId: paused.runId })
    expect(done.content).toBe('Paid invoice 7.')
    expect(ledger.count('pay')).toBe(1)
    expect(await app.getRun(`${paused.runId}/pay`)).toMatchObject({ status: 'completed', agentId: 'payer' })
    await app.dispose()
  })
})

describe('parallel branches', () => {
  it('a branch waiting for a person pauses the workflow while its siblings complete; they are not run again', async () => {
    const ledger = makeLedger()
    const workflow = workflowOf(
      Workflow.parallel({
        name: 'checks',
        steps: [
          Workflow.step({ name: 'lint', executor: counted(ledger, 'lint', 'lint clean') }),
          Workflow.step({
            name: 'deploy_check',
            executor: counted(ledger, 'deploy_check', 'deploy ready'),
            requiresConfirmation: true,
          }),
          Workflow.step({ name: 'tests', executor: counted(ledger, 'tests', 'tests green') }),
        ],
      }),
      Workflow.step({ name: 'report', executor: ({ previousOutput }) => previousOutput }),
    )
    const paused = await workflow.run('release')
    expect(paused.status).toBe('paused')
    expect(single(paused.activeRequirements).toolCall.name).toBe('deploy_check')
    expect(ledger.calls.map(({ tool }) => tool).sort()).toEqual(['lint', 'tests'])
    paused.activeRequirements[0]!.confirm()
    const done = await workflow.continueRun(paused)
    expect(done.status).toBe('completed')
    expect(JSON.parse(done.content)).toEqual({
      lint: 'lint clean',
      deploy_check: 'deploy ready',
      tests: 'tests green',
    })
    expect(ledger.calls.map(({ tool }) => tool).sort()).toEqual(['deploy_check', 'lint', 'tests'])
  })

  it('branches waiting at once pause together, an agent’s among them', async () => {
    const ledger = makeLedger()
    const workflow = workflowOf(
      Workflow.parallel({
        name: 'fan_out',
        steps: [
          Workflow.step({ name: 'write', executor: gatedAgent(ledger).agent }),
          Workflow.step({
            name: 'choose',
            executor: ({ userInput }) => `chose ${String(userInput?.tone)}`,
            requiresUserInput: true,
            userInputSchema: [{ name: 'tone', type: 'string', allowedValues: ['calm', 'bold'] }],
          }),
        ],
      }),
    )
    const paused = await workflow.run('Announce the release')
    expect(paused.activeRequirements.map(({ kind }) => kind).sort()).toEqual([
      'confirmation',
      'step_user_input',
    ])
    for (const requirement of paused.activeRequirements)
      if (requirement.needsConfirmation) requirement.confirm()
      else requirement.provideUserInput({ tone: 'bold' })
    const done = await workflow.continueRun(paused)
    expect(JSON.parse(done.content)).toEqual({
      write: 'writer finished: publish_draft done for the blog',
      choose: 'chose bold',
    })
  })

  it('a branch rejected with cancel cancels the run and the agent runs still working for it', async () => {
    const { agent } = releaser()
    const workflow = workflowOf(gateBesideShipping(agent))
    const paused = await workflow.run('Ship it')
    expect(paused.activeRequirements).toHaveLength(2)
    rejectGateConfirmShipping(paused)
    const done = await workflow.continueRun(paused)
    expect(done.status).toBe('cancelled')
    expect(done.content).toBe("Workflow cancelled: Step 'gate' was rejected")
    // The agent went on meanwhile and paused again; the cancel reached its run.
    expect(await stored(workflow.store, `${done.runId}/ship`)).toMatchObject({ status: 'cancelled' })
    expect(outputsOf(await eventsOf(workflow.store, done.runId))).toEqual({})
  })

  it('cancels the agent runs still working for it before anyone hears it was cancelled, on a store that answers later', async () => {
    const { agent } = releaser()
    const memory = MemoryStore.make()
    // Like a store across a network, it answers a read of a run on a later turn of the event loop.
    const store: RunStore = {
      ...memory,
      getRun: (runId) =>
        Effect.zipRight(
          Effect.async<void>((resume) => void setImmediate(() => resume(Effect.void))),
          memory.getRun(runId),
        ),
    }
    const workflow = new Workflow({
      id: 'flow',
      store,
      steps: [gateBesideShipping(agent)],
    })
    const paused = await workflow.run('Ship it')
    rejectGateConfirmShipping(paused)
    // What a follower finds of the agent's run the moment it hears that the workflow was cancelled.
    const heard = (async () => {
      const { lastSeq } = await stored(memory, paused.runId)
      for await (const event of workflow.followRun(paused.runId, lastSeq))
        if (event._tag === 'RunCancelled') return (await stored(memory, `${paused.runId}/ship`)).status
      return undefined
    })()
    const done = await workflow.continueRun(paused)
    expect(done.status).toBe('cancelled')
    expect(await heard).toBe('cancelled')
    expect(await stored(memory, `${paused.runId}/ship`)).toMatchObject({ status: 'cancelled' })
  })
})
