import { Duration } from 'effect'
import { DefinitionError } from '../../Errors.js'
import type { Actor } from '../../Runnable.js'
import type { StepType } from '../../RunEvent.js'
import type { UserInputField } from '../../UserInputField.js'
import type {
  Component,
  Condition,
  ConditionSpec,
  Executor,
  FieldSpec,
  Gated,
  Loop,
  LoopSpec,
  OnReject,
  Parallel,
  ParallelSpec,
  HumanReview,
  Router,
  RouterSpec,
  Step,
  Steps,
  StepSpec,
  StepsSpec,
  StepFunction,
} from '../../Workflow.js'

/*
 * The parts of a workflow, checked and frozen as they are built: the human review each kind of
 * part supports (Agno's HumanReview rules: a parallel has none), and what each setting needs.
 */

const defaultMaxRetries = 3
const defaultMaxIterations = 3

const gates = ['requiresConfirmation', 'confirmationMessage', 'onReject', 'timeout', 'onTimeout'] as const
const userInput = ['requiresUserInput', 'userInputMessage'] as const
const outputReview = ['requiresOutputReview', 'outputReviewMessage'] as const
const reviewSettings = [
  ...gates,
  ...userInput,
  ...outputReview,
  'maxRetries',
  'userInputSchema',
  'allowMultipleSelections',
  'requiresIterationReview',
  'iterationReviewMessage',
] as const
type Setting = (typeof reviewSettings)[number]

const supported: Record<StepType, ReadonlyArray<Setting>> = {
  step: [...gates, ...userInput, ...outputReview, 'maxRetries', 'userInputSchema'],
  router: [...gates, ...userInput, ...outputReview, 'maxRetries', 'allowMultipleSelections'],
  loop: [...gates, 'requiresIterationReview', 'iterationReviewMessage'],
  condition: gates,
  steps: gates,
  parallel: [],
}

const rejections: Record<Exclude<StepType, 'parallel'>, ReadonlyArray<OnReject>> = {
  step: ['skip', 'cancel', 'retry'],
  router: ['skip', 'cancel', 'retry'],
  loop: ['skip', 'cancel', 'retry'],
  condition: ['else', 'skip', 'cancel'],
  steps: ['skip', 'cancel'],
}

const fail = (type: StepType, name: unknown, reason: string) =>
  new DefinitionError({ subject: `${type} "${String(name)}"`, reason })

/** Step keys are built from names: `/`, `#` and `@` separate their parts. */
const checkName = (type: StepType, name: unknown) => {
  if (typeof name !== 'string' || name.trim() === '') throw fail(type, name, 'a name is required')
  if (/[/#@]/.test(name)) throw fail(type, name, 'a name may not contain "/", "#" or "@"')
}

const checkSupported = (type: StepType, name: string, spec: object) => {
  const settings = spec as Partial<Record<Setting, unknown>>
  for (const setting of reviewSettings)
    if (settings[setting] !== undefined && !supported[type].includes(setting))
      throw fail(
        type,
        name,
        supported[type].length === 0
          ? `a ${type} has no human review of its own (${setting}); put it on its steps`
          : `a ${type} does not support ${setting}`,
      )
}

const checkSteps = (type: StepType, name: string, steps: unknown, what = 'steps') => {
  if (!Array.isArray(steps) || steps.length === 0) throw fail(type, name, `${what} are required`)
}

const positiveDuration = (type: StepType, name: string, timeout: Duration.DurationInput) => {
  const decoded = Duration.decodeUnknown(timeout)
  if (decoded._tag === 'None' || !Duration.greaterThan(decoded.value, Duration.zero))
    throw fail(type, name, 'timeout must be a positive duration')
  return decoded.value
}

/**
 * The review settings of a part, defaults filled in. `asks` says whether anything can wait for
 * a person (else a timeout has nothing to time); `forms` whether a person may be asked for
 * input or routes, which cannot be approved by default when nobody answers.
 */
const review = (
  type: Exclude<StepType, 'parallel'>,
  name: string,
  spec: Gated & { readonly onReject?: OnReject; readonly maxRetries?: number },
  { asks, forms }: { readonly asks: boolean; readonly forms: boolean },
): HumanReview => {
  checkName(type, name)
  checkSupported(type, name, spec)
  const onReject = spec.onReject ?? (type === 'condition' ? 'else' : 'skip')
  if (!rejections[type].includes(onReject))
    throw fail(
      type,
      name,
      `onReject is one of ${rejections[type].join(', ')}, not ${JSON.stringify(onReject)}`,
    )
  const maxRetries = spec.maxRetries ?? defaultMaxRetries
  if (!Number.isInteger(maxRetries) || maxRetries < 0)
    throw fail(type, name, 'maxRetries must be a whole number, 0 or more')
  const onTimeout = spec.onTimeout ?? 'cancel'
  if (!['cancel', 'skip', 'approve'].includes(onTimeout))
    throw fail(type, name, `onTimeout is cancel, skip or approve, not ${JSON.stringify(onTimeout)}`)
  if (spec.timeout === undefined && spec.onTimeout !== undefined)
    throw fail(type, name, 'onTimeout needs a timeout')
  if (spec.timeout !== undefined && !asks) throw fail(type, name, 'a timeout needs something to ask a person')
  if (spec.timeout !== undefined && onTimeout === 'approve' && forms)
    throw fail(type, name, 'what a person fills in or chooses cannot be approved when nobody answers')
  return {
    requiresConfirmation: spec.requiresConfirmation === true,
    confirmationMessage: spec.confirmationMessage,
    onReject,
    maxRetries,
    timeout: spec.timeout === undefined ? undefined : positiveDuration(type, name, spec.timeout),
    onTimeout,
  }
}

/** Whether a step runs a function (else an agent or a team). */
export const runsFunction = (executor: Executor): executor is StepFunction => typeof executor === 'function'

const fieldOf = (name: string, field: FieldSpec): UserInputField => {
  if (field.allowedValues !== undefined && field.allowedValues.length === 0)
    throw fail('step', name, `the field "${field.name}" allows no value`)
  return Object.freeze({
    name: field.name,
    type: field.type,
    required: field.required ?? true,
    ...(field.description === undefined ? {} : { description: field.description }),
    ...(field.allowedValues === undefined ? {} : { allowedValues: Object.freeze([...field.allowedValues]) }),
  })
}

export const step = (spec: StepSpec): Step => {
  const reviewed = spec.requiresOutputReview !== undefined && spec.requiresOutputReview !== false
  const settings = review('step', spec.name, spec, {
    asks: spec.requiresConfirmation === true || spec.requiresUserInput === true || reviewed,
    forms: spec.requiresUserInput === true,
  })
  const executor = spec.executor as unknown
  if (
    typeof executor !== 'function' &&
    (typeof executor !== 'object' || executor === null || !('kind' in executor))
  )
    throw fail('step', spec.name, 'its executor is an agent, a team or a function')
  const schema = spec.userInputSchema ?? []
  if (spec.requiresUserInput === true && schema.length === 0)
    throw fail('step', spec.name, 'requiresUserInput needs a userInputSchema')
  if (spec.requiresUserInput !== true && schema.length > 0)
    throw fail('step', spec.name, 'a userInputSchema needs requiresUserInput')
  if (new Set(schema.map((field) => field.name)).size !== schema.length)
    throw fail('step', spec.name, 'two fields of its userInputSchema have one name')
  return Object.freeze({
    type: 'step',
    name: spec.name,
    ...settings,
    executor: spec.executor,
    requiresUserInput: spec.requiresUserInput === true,
    userInputMessage: spec.userInputMessage,
    userInputSchema: Object.freeze(schema.map((field) => fieldOf(spec.name, field))),
    requiresOutputReview: spec.requiresOutputReview ?? false,
    outputReviewMessage: spec.outputReviewMessage,
    onError: spec.onError ?? 'fail',
  })
}

export const steps = (spec: StepsSpec): Steps => {
  const settings = review('steps', spec.name, spec, {
    asks: spec.requiresConfirmation === true,
    forms: false,
  })
  checkSteps('steps', spec.name, spec.steps)
  return Object.freeze({ type: 'steps', name: spec.name, ...settings, steps: Object.freeze([...spec.steps]) })
}

export const condition = (spec: ConditionSpec): Condition => {
  const settings = review('condition', spec.name, spec, {
    asks: spec.requiresConfirmation === true,
    forms: false,
  })
  checkSteps('condition', spec.name, spec.steps)
  if (spec.evaluator === undefined && spec.requiresConfirmation !== true)
    throw fail('condition', spec.name, 'an evaluator or requiresConfirmation is required')
  return Object.freeze({
    type: 'condition',
    name: spec.name,
    ...settings,
    evaluator: spec.evaluator,
    steps: Object.freeze([...spec.steps]),
    elseSteps: Object.freeze([...(spec.elseSteps ?? [])]),
  })
}

export const router = (spec: RouterSpec): Router => {
  const rerouted = spec.requiresOutputReview === true && spec.onReject === 'retry'
  const settings = review('router', spec.name, spec, {
    asks:
      spec.requiresConfirmation === true ||
      spec.requiresUserInput === true ||
      spec.requiresOutputReview === true,
    // A rejected review has a person choose routes again.
    forms: spec.requiresUserInput === true || rerouted,
  })
  checkSteps('router', spec.name, spec.choices, 'choices')
  if ((spec.selector === undefined) === (spec.requiresUserInput !== true))
    throw fail(
      'router',
      spec.name,
      'its routes are chosen by a selector or by a person (requiresUserInput), one of them',
    )
  if (spec.allowMultipleSelections === true && spec.requiresUserInput !== true)
    throw fail('router', spec.name, 'allowMultipleSelections is for a person choosing (requiresUserInput)')
  return Object.freeze({
    type: 'router',
    name: spec.name,
    ...settings,
    choices: Object.freeze([...spec.choices]),
    selector: spec.selector,
    requiresUserInput: spec.requiresUserInput === true,
    userInputMessage: spec.userInputMessage,
    allowMultipleSelections: spec.allowMultipleSelections === true,
    requiresOutputReview: spec.requiresOutputReview === true,
    outputReviewMessage: spec.outputReviewMessage,
  })
}

export const loop = (spec: LoopSpec): Loop => {
  const settings = review('loop', spec.name, spec, {
    asks: spec.requiresConfirmation === true || spec.requiresIterationReview === true,
    forms: false,
  })
  checkSteps('loop', spec.name, spec.steps)
  const maxIterations = spec.maxIterations ?? defaultMaxIterations
  if (!Number.isInteger(maxIterations) || maxIterations < 1)
    throw fail('loop', spec.name, 'maxIterations must be a whole number, 1 or more')
  return Object.freeze({
    type: 'loop',
    name: spec.name,
    ...settings,
    steps: Object.freeze([...spec.steps]),
    maxIterations,
    endCondition: spec.endCondition,
    requiresIterationReview: spec.requiresIterationReview === true,
    iterationReviewMessage: spec.iterationReviewMessage,
  })
}

export const parallel = (spec: ParallelSpec): Parallel => {
  checkName('parallel', spec.name)
  checkSupported('parallel', spec.name, spec)
  checkSteps('parallel', spec.name, spec.steps)
  return Object.freeze({ type: 'parallel', name: spec.name, steps: Object.freeze([...spec.steps]) })
}

/** The parts directly inside a part, in every branch. */
const inner = (component: Component): ReadonlyArray<Component> => {
  switch (component.type) {
    case 'step':
      return []
    case 'condition':
      return [...component.steps, ...component.elseSteps]
    case 'router':
      return component.choices
    default:
      return component.steps
  }
}

/** Step names are unique across the whole workflow: events and requirements name steps by them. */
export const checkNames = (subject: string, components: ReadonlyArray<Component>) => {
  const seen = new Set<string>()
  const visit = (component: Component) => {
    if (seen.has(component.name))
      throw new DefinitionError({ subject, reason: `two steps are named "${component.name}"` })
    seen.add(component.name)
    inner(component).forEach(visit)
  }
  components.forEach(visit)
}

/** The same parts, with each step's agent or team as `join` makes it part of the workflow. */
export const withExecutors = (
  components: ReadonlyArray<Component>,
  join: (actor: Actor) => Actor,
): ReadonlyArray<Component> => {
  const map = (list: ReadonlyArray<Component>) => withExecutors(list, join)
  return Object.freeze(
    components.map((component): Component => {
      switch (component.type) {
        case 'step':
          return runsFunction(component.executor)
            ? component
            : Object.freeze({ ...component, executor: join(component.executor) })
        case 'condition':
          return Object.freeze({
            ...component,
            steps: map(component.steps),
            elseSteps: map(component.elseSteps),
          })
        case 'router':
          return Object.freeze({ ...component, choices: map(component.choices) })
        default:
          return Object.freeze({ ...component, steps: map(component.steps) })
      }
    }),
  )
}
