import { Effect, Option } from 'effect'
import type { Actor } from '../../Runnable.js'
import type { Rejection, Step, StepFunction, StepInput } from '../../Workflow.js'
import { enterChild } from '../children.js'
import { invoke } from '../invoke.js'
import { driveToStop } from '../runLoop.js'
import { attemptKey } from './history.js'
import { Flow, named, type Scope, type Stretch, stepLabel, tell, type Work } from './stretch.js'

/*
 * What carries out one attempt of a step: its function, run once per attempt (its result stored
 * before the workflow goes on), or its agent or team, in a run of its own that the workflow's
 * run announces and pauses with.
 */

/** A step's output as text: what an agent is told, and what a workflow's content is. */
export const asText = (output: unknown) => (typeof output === 'string' ? output : JSON.stringify(output))

/** An output as stored and passed on: a JSON value (`null` for none). */
const asJson = (output: unknown): Option.Option<unknown> => {
  try {
    const text = JSON.stringify(output ?? null)
    return text === undefined ? Option.none() : Option.some(JSON.parse(text))
  } catch {
    return Option.none()
  }
}

/** What the step's function (or a part's evaluator) is given. */
export const stepInput = (
  stretch: Stretch,
  scope: Scope,
  userInput?: Readonly<Record<string, unknown>>,
  rejection: Rejection | undefined = scope.rejection,
): StepInput => ({
  input: stretch.writer.run.input,
  previousOutput: Option.getOrUndefined(scope.previous),
  outputs: scope.outputs,
  userInput,
  rejection,
})

/**
 * What a step's agent or team is told: the previous output (the workflow's input at the start),
 * then the person's answers and a reviewer's rejection, if any.
 */
const task = ({ input, previousOutput, userInput, rejection }: StepInput) =>
  [
    previousOutput === undefined ? input : asText(previousOutput),
    ...(userInput === undefined
      ? []
      : [
          [
            'User preferences:',
            ...Object.entries(userInput).map(([name, value]) => `- ${name}: ${asText(value)}`),
          ].join('\n'),
        ]),
    ...(rejection === undefined
      ? []
      : [
          [
            `A reviewer rejected your previous answer${rejection.feedback === undefined ? '.' : `: ${rejection.feedback}`}`,
            'Your previous answer was:',
            asText(rejection.previousOutput),
          ].join('\n'),
        ]),
  ].join('\n\n')

/** A step attempt: the step's key, the attempt's number, and what its requirements and runs are named by. */
interface Attempt {
  readonly key: string
  readonly attempt: number
  readonly toolCallId: string
}

const runFunction = (
  stretch: Stretch,
  step: Step,
  run: StepFunction,
  { toolCallId }: Attempt,
  input: StepInput,
): Work =>
  Effect.gen(function* () {
    const { writer } = stretch
    // Stored before it runs: should this process die now, the step is known to have started.
    yield* writer.flush
    const result = yield* Effect.either(
      invoke(
        (signal) =>
          run(input, {
            runId: writer.run.runId,
            stepKey: toolCallId,
            idempotencyKey: `${writer.run.runId}:${toolCallId}`,
            signal,
            principal: writer.run.principal,
          }),
        (reason) => reason,
      ),
    )
    if (result._tag === 'Left') return Flow.Failed({ error: `${stepLabel(step)} failed: ${result.left}` })
    return Option.match(asJson(result.right), {
      onNone: () => Flow.Failed({ error: `${stepLabel(step)} failed: its output is not a JSON value` }),
      onSome: (output) => Flow.Done({ output }),
    })
  })

const runActor = (stretch: Stretch, step: Step, actor: Actor, at: Attempt, input: StepInput): Work =>
  Effect.gen(function* () {
    const { writer } = stretch
    const runId = writer.run.runId
    const toolCallId = at.toolCallId
    const member = { memberRunId: `${runId}/${toolCallId}`, memberId: actor.id, memberName: actor.name }
    const text = task(input)
    let announced = false
    const announce = (how: 'started' | 'continued') =>
      Effect.gen(function* () {
        announced = true
        yield* tell(
          stretch,
          how === 'started'
            ? { _tag: 'MemberRunStarted', runId, ...member, toolCallId, task: text }
            : { _tag: 'MemberRunContinued', runId, ...member, toolCallId },
        )
        // Stored before the agent works: should this process die, the run knows of the agent's run.
        yield* writer.flush
      })
    const stop = yield* enterChild(
      writer,
      actor,
      {
        runId: member.memberRunId,
        input: text,
        resolved: stretch.decided,
        interruptedCalls: stretch.interruptedCalls,
      },
      announce,
      driveToStop,
    )
    // Read back from a run that had ended already: nothing happened to tell.
    if (announced)
      yield* tell(
        stretch,
        stop._tag === 'Paused'
          ? { _tag: 'MemberRunPaused', runId, ...member, requirementIds: stop.raised.map(({ id }) => id) }
          : stop._tag === 'Completed'
            ? { _tag: 'MemberRunCompleted', runId, ...member, content: stop.content }
            : { _tag: 'MemberRunFailed', runId, ...member, error: stop.error },
      )
    switch (stop._tag) {
      case 'Paused': {
        stretch.raised.push(...stop.raised)
        yield* tell(stretch, {
          _tag: 'StepPaused',
          ...named(stretch, step, at.key),
          attempt: at.attempt,
          why: 'executor',
          requirementIds: stop.raised.map(({ id }) => id),
        })
        return Flow.Waiting()
      }
      case 'Completed':
        return Flow.Done({ output: stop.content })
      case 'Failed':
        return Flow.Failed({ error: `${stepLabel(step)} failed: ${stop.error}` })
    }
  })

/** Carries out attempt `attempt` of the step at `key`. */
export const execute = (
  stretch: Stretch,
  step: Step,
  key: string,
  attempt: number,
  input: StepInput,
): Work => {
  const at = { key, attempt, toolCallId: attemptKey(key, attempt) }
  return typeof step.executor === 'function'
    ? runFunction(stretch, step, step.executor, at, input)
    : runActor(stretch, step, step.executor, at, input)
}
