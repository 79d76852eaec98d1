import { describe, expect, it } from 'vitest'
import {
  Countersign,
  DefinitionError,
  defineAgent,
  defineWorkflow,
  Policy,
  ScriptedModel,
  Workflow,
  type StepInput,
  type WorkflowSpec,
} from '../src/index.js'
import { makeLedger } from './fixtures.js'
import { gatedAgent } from './workflowFixtures.js'

/*
 * A workflow is checked when it is defined (Agno's HumanReview rules: which human review each
 * kind of part supports), and is a plain frozen value that any number of runs share.
 */

const noop = () => 'done'
const definitionError = (build: () => unknown) => {
  try {
    build()
  } catch (error) {
    expect(error).toBeInstanceOf(DefinitionError)
    return (error as DefinitionError).message
  }
  throw new Error('expected a DefinitionError')
}

describe('defining a workflow', () => {
  it('each kind of part supports its own human review; a parallel none', () => {
    const unsupported = (build: () => unknown) => definitionError(build)
    expect(
      unsupported(() =>
        Workflow.parallel({
          name: 'p',
          steps: [Workflow.step({ name: 's', executor: noop })],
          requiresConfirmation: true,
        } as never),
      ),
    ).toBe(
      'parallel "p": a parallel has no human review of its own (requiresConfirmation); put it on its steps',
    )
    expect(
      unsupported(() =>
        Workflow.condition({
          name: 'c',
          requiresConfirmation: true,
          requiresUserInput: true,
          steps: [],
        } as never),
      ),
    ).toBe('condition "c": a condition does not support requiresUserInput')
    expect(
      unsupported(() => Workflow.steps({ name: 'seq', steps: [], requiresOutputReview: true } as never)),
    ).toContain('does not support requiresOutputReview')
    expect(
      unsupported(() => Workflow.loop({ name: 'l', steps: [], requiresOutputReview: true } as never)),
    ).toContain('does not support requiresOutputReview')
    expect(
      unsupported(() => Workflow.step({ name: 's', executor: noop, requiresIterationReview: true } as never)),
    ).toContain('does not support requiresIterationReview')
  })

  it('what a rejection, a timeout or a form needs is checked', () => {
    expect(
      definitionError(() => Workflow.step({ name: 's', executor: noop, onReject: 'else' } as never)),
    ).toContain('onReject is one of skip, cancel, retry')
    expect(
      definitionError(() =>
        Workflow.condition({ name: 'c', requiresConfirmation: true, onReject: 'retry', steps: [] } as never),
      ),
    ).toContain('onReject is one of else, skip, cancel')
    expect(definitionError(() => Workflow.step({ name: 's', executor: noop, timeout: '1 hour' }))).toContain(
      'a timeout needs something to ask a person',
    )
    expect(
      definitionError(() =>
        Workflow.step({ name: 's', executor: noop, requiresConfirmation: true, onTimeout: 'skip' }),
      ),
    ).toContain('onTimeout needs a timeout')
    expect(
      definitionError(() =>
        Workflow.step({
          name: 's',
          executor: noop,
          requiresUserInput: true,
          userInputSchema: [{ name: 'x', type: 'string' }],
          timeout: '1 hour',
          onTimeout: 'approve',
        }),
      ),
    ).toContain('cannot be approved when nobody answers')
    expect(
      definitionError(() => Workflow.step({ name: 's', executor: noop, requiresUserInput: true })),
    ).toContain('requiresUserInput needs a userInputSchema')
    expect(definitionError(() => Workflow.step({ name: 'a/b', executor: noop }))).toContain('may not contain')
    expect(definitionError(() => Workflow.step({ name: 's', executor: 'agent' as never }))).toContain(
      'its executor is an agent, a team or a function',
    )
  })

  it('a router is told how its routes are chosen; a condition how it decides', () => {
    const choices = [Workflow.step({ name: 'a', executor: noop })]
    expect(definitionError(() => Workflow.router({ name: 'r', choices }))).toContain('one of them')
    expect(
      definitionError(() =>
        Workflow.router({ name: 'r', choices, selector: () => 'a', requiresUserInput: true }),
      ),
    ).toContain('one of them')
    expect(
      definitionError(() =>
        Workflow.router({ name: 'r', choices, selector: () => 'a', allowMultipleSelections: true }),
      ),
    ).toContain('allowMultipleSelections is for a person choosing')
    expect(definitionError(() => Workflow.condition({ name: 'c', steps: choices }))).toContain(
      'an evaluator or requiresConfirmation is required',
    )
    expect(definitionError(() => Workflow.loop({ name: 'l', steps: choices, maxIterations: 0 }))).toContain(
      'maxIterations',
    )
  })

  it('step names are unique across the whole workflow; ids across the workflow and who works in it', () => {
    const nested: WorkflowSpec = {
      id: 'wf',
      steps: [
        Workflow.step({ name: 'same', executor: noop }),
        Workflow.condition({
          name: 'c',
          evaluator: () => true,
          steps: [Workflow.step({ name: 'same', executor: noop })],
        }),
      ],
    }
    expect(definitionError(() => defineWorkflow(nested))).toBe('workflow "wf": two steps are named "same"')
    const model = ScriptedModel.make(['hi'])
    const twin = (id: string) => defineAgent({ id, model })
    expect(
      definitionError(() =>
        defineWorkflow({
          id: 'wf',
          steps: [
            Workflow.step({ name: 'a', executor: twin('bot') }),
            Workflow.step({ name: 'b', executor: twin('bot') }),
          ],
        }),
      ),
    ).toBe('workflow "wf": the id "bot" is used twice in the workflow')
    expect(
      definitionError(() =>
        defineWorkflow({ id: 'bot', steps: [Workflow.step({ name: 'a', executor: twin('bot') })] }),
      ),
    ).toContain('the id "bot" is used twice')
    const once = twin('bot')
    const reused = defineWorkflow({
      id: 'wf',
      steps: [Workflow.step({ name: 'a', executor: once }), Workflow.step({ name: 'b', executor: once })],
    })
    expect([...reused.participants.keys()]).toEqual(['bot'])
    expect(definitionError(() => new Countersign({ agents: [twin('wf')], workflows: [reused] }))).toContain(
      'have the id "wf"',
    )
  })

  it('the agents and teams running steps hold the workflow’s policies after their own', () => {
    const own = Policy.make('own', () => [])
    const workflowWide = Policy.make('workflow-wide', () => [])
    const definition = defineWorkflow({
      id: 'wf',
      policies: [workflowWide],
      steps: [
        Workflow.step({
          name: 'write',
          executor: defineAgent({ id: 'writer', model: ScriptedModel.make(['hi']), policies: [own] }),
        }),
      ],
    })
    const participant = definition.participants.get('writer')!
    expect(participant.policies.map(({ name }) => name)).toEqual(['own', 'workflow-wide'])
    expect(participant.plugins.has('step_confirmation')).toBe(true)
    const step = definition.steps[0]!
    expect(step.type === 'step' && step.executor).toBe(participant)
  })
})

describe('a workflow definition', () => {
  const greet = ({ input }: StepInput) => `Hello, ${input}`
  const shout = ({ previousOutput }: StepInput) => String(previousOutput).toUpperCase()
  const spec = (agent: ReturnType<typeof gatedAgent>['agent']): WorkflowSpec => ({
    id: 'greeter',
    steps: [
      Workflow.step({ name: 'greet', executor: greet }),
      Workflow.parallel({
        name: 'both',
        steps: [
          Workflow.step({ name: 'shout', executor: shout, requiresConfirmation: true }),
          Workflow.step({ name: 'write', executor: agent }),
        ],
      }),
    ],
  })

  it('is frozen, not changed by running it, and serves 20 concurrent runs, each its own', async () => {
    const { agent } = gatedAgent(makeLedger())
    const definition = defineWorkflow(spec(agent))
    const pristine = defineWorkflow(spec(agent))
    expect(Object.isFrozen(definition)).toBe(true)
    expect(Object.isFrozen(definition.steps)).toBe(true)
    expect(Object.isFrozen(definition.steps[1])).toBe(true)
    const served = new Countersign({ workflows: [definition], sweepEvery: false })
    const names = Array.from({ length: 20 }, (_, index) => `guest ${index}`)
    const paused = await Promise.all(names.map((name) => served.run('greeter', name)))
    expect(paused.every((run) => run.status === 'paused' && run.activeRequirements.length === 2)).toBe(true)
    const done = await Promise.all(
      paused.map((run) =>
        served.continueRun({
          runId: run.runId,
          resolutions: run.activeRequirements.map(({ id }) => ({
            requirementId: id,
            value: { approved: true },
          })),
        }),
      ),
    )
    expect(done.map((run) => (JSON.parse(run.content) as { shout: string }).shout)).toEqual(
      names.map((name) => `HELLO, ${name.toUpperCase()}`),
    )
    expect(new Set(done.map(({ runId }) => runId)).size).toBe(20)
    await served.dispose()
    expect(definition).toStrictEqual(pristine)
  })
})
