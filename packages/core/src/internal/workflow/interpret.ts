import { Effect, Either, Option } from 'effect'
import * as Policy from '../../Policy.js'
import { OutputReview } from '../../plugins/OutputReview.js'
import { StepConfirmation } from '../../plugins/StepConfirmation.js'
import type { Component, Condition, Loop, Parallel, Router, Step, Steps } from '../../Workflow.js'
import { execute, stepInput } from './executors.js'
import {
  confirmation,
  outputReview,
  rejected,
  retriesSpent,
  routeSelection,
  userInput,
  type Asking,
  type Reviewed,
} from './gates.js'
import { attemptKey, type Iteration, iterationKey } from './history.js'
import { Flow, named, type Scope, type Stretch, stepLabel, tell, type Work } from './stretch.js'

/*
 * Walks a workflow's parts from the top, as a stretch of its run: what the history says is done
 * is taken as done (its output passed on), the rest is done now, until the run completes, stops,
 * or waits for people (every part that can go on does: a parallel's other branches finish).
 */

/** Asks the user's code (an evaluator, a selector, a predicate): its answer, or why it has none. */
const decide = <A>(
  answer: () => Policy.Answer<unknown>,
  check: (value: unknown) => value is A,
  expected: string,
): Effect.Effect<Either.Either<A, string>> =>
  Effect.either(Policy.apply(answer, check, expected, (reason) => reason))

const isBoolean = (value: unknown): value is boolean => typeof value === 'boolean'

/** Runs parts in order; each gets the output of the last one that produced one. */
export const runSequence = (stretch: Stretch, components: ReadonlyArray<Component>, scope: Scope): Work =>
  Effect.gen(function* () {
    let previous = scope.previous
    let outputs = scope.outputs
    let produced = Option.none<unknown>()
    for (const component of components) {
      const flow = yield* runComponent(stretch, component, { ...scope, previous, outputs })
      if (flow._tag === 'Skipped') continue
      if (flow._tag !== 'Done') return flow
      previous = produced = Option.some(flow.output)
      outputs = { ...outputs, [component.name]: flow.output }
    }
    return Option.match(produced, {
      onNone: () => Flow.Skipped({ reason: 'none of its steps produced an output' }),
      onSome: (output) => Flow.Done({ output }),
    })
  })

/** Tells that an attempt of a part begins, unless it began in an earlier stretch. */
const begin = (stretch: Stretch, component: Component, key: string, attempt: number) =>
  stretch.history.started.has(attemptKey(key, attempt))
    ? Effect.void
    : tell(stretch, { _tag: 'StepStarted', ...named(stretch, component, key), attempt })

/** One part, from what its history says: done already, or carried on from where it stopped. */
const runComponent = (stretch: Stretch, component: Component, scope: Scope): Work =>
  Effect.gen(function* () {
    const key = scope.prefix + component.name
    const { history } = stretch
    if (history.completed.has(key)) return Flow.Done({ output: history.completed.get(key) })
    if (history.skipped.has(key)) return Flow.Skipped({ reason: 'skipped earlier' })
    yield* begin(stretch, component, key, 0)
    if (history.paused.has(key))
      yield* tell(stretch, { _tag: 'StepContinued', ...named(stretch, component, key) })
    const flow = yield* body(stretch, component, key, scope)
    if (flow._tag === 'Done')
      yield* tell(stretch, { _tag: 'StepCompleted', ...named(stretch, component, key), output: flow.output })
    if (flow._tag === 'Skipped')
      yield* tell(stretch, { _tag: 'StepSkipped', ...named(stretch, component, key), reason: flow.reason })
    // A function's result is stored before the workflow goes on: it runs once per attempt.
    if (component.type === 'step' && typeof component.executor === 'function' && flow._tag === 'Done')
      yield* stretch.writer.flush
    return flow
  })

const body = (stretch: Stretch, component: Component, key: string, scope: Scope): Work => {
  switch (component.type) {
    case 'step':
      return runStep(stretch, component, key, scope)
    case 'steps':
      return runSteps(stretch, component, key, scope)
    case 'condition':
      return runCondition(stretch, component, key, scope)
    case 'router':
      return runRouter(stretch, component, key, scope)
    case 'loop':
      return runLoop(stretch, component, key, scope)
    case 'parallel':
      return runParallel(stretch, component, scope)
  }
}

/**
 * Asks for confirmation if the part requires it (showing `input`, its answered form): Confirmed
 * lets it start; a rejection skips or cancels it.
 */
const confirmed = (
  stretch: Stretch,
  component: Asking,
  key: string,
  input?: Readonly<Record<string, unknown>>,
): Work<Flow | 'confirmed'> =>
  component.requiresConfirmation
    ? Effect.map(confirmation(stretch, component, key, input), (answer) =>
        answer._tag === 'Confirmed' ? 'confirmed' : answer._tag === 'Rejected' ? rejected(component) : answer,
      )
    : Effect.succeed('confirmed')

/**
 * A step: its form filled in, confirmed as filled in (what is confirmed is what runs), then
 * attempts until one's output is approved (or needs no review). With `retry`, a rejected output
 * runs the step again, told the feedback.
 */
const runStep = (stretch: Stretch, step: Step, key: string, scope: Scope): Work =>
  Effect.gen(function* () {
    const answers = step.requiresUserInput ? yield* userInput(stretch, step, key) : undefined
    if (answers !== undefined && answers._tag !== 'Answered') return answers
    const start = yield* confirmed(stretch, step, key, answers?.values)
    if (start !== 'confirmed') return start
    let rejection = scope.rejection
    for (let attempt = 0; ; attempt++) {
      const reviewed = attemptKey(key, attempt)
      // An attempt whose review was asked for has run: its output is in the review.
      let output: unknown
      if (stretch.history.decision(OutputReview.kind, reviewed) === undefined) {
        yield* begin(stretch, step, key, attempt)
        const flow = yield* execute(
          stretch,
          step,
          key,
          attempt,
          stepInput(stretch, scope, answers?.values, rejection),
        )
        if (flow._tag === 'Failed' && step.onError === 'skip') return Flow.Skipped({ reason: flow.error })
        if (flow._tag !== 'Done') return flow
        const review = yield* needsReview(step, flow.output)
        if (Either.isLeft(review)) return Flow.Failed({ error: review.left })
        if (!review.right) return flow
        output = flow.output
      }
      const verdict = yield* outputReview(stretch, step, { key, attempt, reviewed }, output)
      if (verdict._tag === 'Approved') return Flow.Done({ output: verdict.output })
      if (verdict._tag !== 'Rejected') return verdict
      if (step.onReject !== 'retry') return rejected(step)
      if (attempt >= step.maxRetries) return retriesSpent(step)
      rejection = { feedback: verdict.feedback, previousOutput: verdict.output }
    }
  })

const needsReview = (step: Step, output: unknown): Effect.Effect<Either.Either<boolean, string>> => {
  const wanted = step.requiresOutputReview
  return typeof wanted === 'boolean'
    ? Effect.succeed(Either.right(wanted))
    : Effect.map(
        decide(() => wanted(output), isBoolean, 'true or false'),
        (answer) =>
          Either.mapLeft(
            answer,
            (reason) => `${stepLabel(step)}: its output review predicate failed: ${reason}`,
          ),
      )
}

const runSteps = (stretch: Stretch, steps: Steps, key: string, scope: Scope): Work =>
  Effect.gen(function* () {
    const start = yield* confirmed(stretch, steps, key)
    if (start !== 'confirmed') return start
    return yield* runSequence(stretch, steps.steps, scope)
  })

/**
 * A condition: its evaluator decides, then a person if it asks one (only when the evaluator
 * says yes); a person's rejection runs the else branch, unless `onReject` skips or cancels.
 */
const runCondition = (stretch: Stretch, condition: Condition, key: string, scope: Scope): Work =>
  Effect.gen(function* () {
    let branches = stretch.history.branched.get(key)
    if (branches === undefined) {
      let branch: 'if' | 'else' | undefined
      const asked = stretch.history.decision(StepConfirmation.kind, key) !== undefined
      if (!asked && condition.evaluator !== undefined) {
        const evaluator = condition.evaluator
        const holds = yield* decide(() => evaluator(stepInput(stretch, scope)), isBoolean, 'true or false')
        if (Either.isLeft(holds))
          return Flow.Failed({ error: `${stepLabel(condition)}: its evaluator failed: ${holds.left}` })
        if (!holds.right) branch = 'else'
      }
      if (branch === undefined && condition.requiresConfirmation) {
        const answer = yield* confirmation(stretch, condition, key)
        if (answer._tag === 'Confirmed') branch = 'if'
        else if (answer._tag !== 'Rejected') return answer
        else if (condition.onReject === 'else') branch = 'else'
        else return rejected(condition)
      }
      branches = [branch ?? 'if']
      yield* tell(stretch, { _tag: 'StepBranched', ...named(stretch, condition, key), attempt: 0, branches })
    }
    return yield* runSequence(stretch, branches[0] === 'if' ? condition.steps : condition.elseSteps, scope)
  })

const chooseRoutes = (router: Router, stretch: Stretch, scope: Scope) =>
  Effect.map(
    decide(
      () => router.selector!(stepInput(stretch, scope)),
      (value): value is string | ReadonlyArray<string> =>
        typeof value === 'string' ||
        (Array.isArray(value) && value.every((name) => typeof name === 'string')),
      'a route name or a list of them',
    ),
    Either.flatMap((answer) => {
      const routes = typeof answer === 'string' ? [answer] : answer
      const names = router.choices.map(({ name }) => name)
      const unknown = routes.filter((route) => !names.includes(route))
      if (routes.length === 0) return Either.left('it chose no route')
      if (unknown.length > 0)
        return Either.left(`it chose ${unknown.join(', ')}, not among ${names.join(', ')}`)
      return Either.right(routes)
    }),
  )

/**
 * A router: its selector or a person chooses the routes, which run in order. With output
 * review and `retry`, a rejection has a person choose again (another attempt, whose steps run
 * afresh), at most `maxRetries` times.
 */
const runRouter = (stretch: Stretch, router: Router, key: string, scope: Scope): Work =>
  Effect.gen(function* () {
    const start = yield* confirmed(stretch, router, key)
    if (start !== 'confirmed') return start
    for (let attempt = 0; ; attempt++) {
      const attempted = attemptKey(key, attempt)
      yield* begin(stretch, router, key, attempt)
      let routes = stretch.history.branched.get(attempted)
      if (routes === undefined) {
        if (attempt > 0 || router.requiresUserInput) {
          const chosen = yield* routeSelection(stretch, router, key, attempt)
          if (chosen._tag !== 'Chosen') return chosen
          routes = chosen.routes
        } else {
          const chosen = yield* chooseRoutes(router, stretch, scope)
          if (Either.isLeft(chosen))
            return Flow.Failed({ error: `${stepLabel(router)}: its selector failed: ${chosen.left}` })
          routes = chosen.right
        }
        yield* tell(stretch, {
          _tag: 'StepBranched',
          ...named(stretch, router, key),
          attempt,
          branches: routes,
        })
      }
      const chosen = routes.flatMap((name) => router.choices.filter((choice) => choice.name === name))
      const prefix = attempt === 0 ? scope.prefix : `${scope.prefix}${attempted}/`
      const flow = yield* runSequence(stretch, chosen, { ...scope, prefix })
      if (!router.requiresOutputReview || flow._tag !== 'Done') return flow
      const verdict = yield* outputReview(stretch, router, { key, attempt, reviewed: attempted }, flow.output)
      if (verdict._tag === 'Approved') return Flow.Done({ output: verdict.output })
      if (verdict._tag !== 'Rejected') return verdict
      if (router.onReject !== 'retry') return rejected(router)
      if (attempt >= router.maxRetries) return retriesSpent(router)
    }
  })

/**
 * A loop: iterations until its end condition says so, a person approves an iteration, or
 * `maxIterations`. With iteration review and `retry`, a rejection runs the next iteration, told
 * the feedback; a rejection of the last iteration cancels the run.
 */
const runLoop = (stretch: Stretch, loop: Loop, key: string, scope: Scope): Work =>
  Effect.gen(function* () {
    const start = yield* confirmed(stretch, loop, key)
    if (start !== 'confirmed') return start
    let previous = scope.previous
    let produced = Option.none<unknown>()
    let rejection: Scope['rejection'] = undefined
    for (let iteration = 1; iteration <= loop.maxIterations; iteration++) {
      const iterated = iterationKey(key, iteration)
      let done: Iteration | undefined = stretch.history.iterations.get(iterated)
      if (done === undefined) {
        const flow: Flow = yield* runSequence(stretch, loop.steps, {
          ...scope,
          prefix: `${scope.prefix}${iterated}/`,
          previous,
          rejection,
        })
        if (flow._tag !== 'Done' && flow._tag !== 'Skipped') return flow
        const output: { output?: unknown } = flow._tag === 'Done' ? { output: flow.output } : {}
        let ended = false
        if (loop.endCondition !== undefined) {
          const endCondition = loop.endCondition
          const answer = yield* decide(
            () => endCondition(output.output, iteration),
            isBoolean,
            'true or false',
          )
          if (Either.isLeft(answer))
            return Flow.Failed({ error: `${stepLabel(loop)}: its end condition failed: ${answer.left}` })
          ended = answer.right
        }
        done = { ...output, done: ended }
        yield* tell(stretch, {
          _tag: 'LoopIterationCompleted',
          ...named(stretch, loop, key),
          iteration,
          ...output,
          done: ended,
        })
      }
      if ('output' in done) previous = produced = Option.some(done.output)
      if (done.done) break
      if (!loop.requiresIterationReview) continue
      const verdict: Reviewed | Flow = yield* outputReview(
        stretch,
        loop,
        { key, attempt: 0, reviewed: iterated, iteration },
        Option.getOrNull(produced),
      )
      if (verdict._tag === 'Approved') return Flow.Done({ output: verdict.output })
      if (verdict._tag !== 'Rejected') return verdict
      if (loop.onReject !== 'retry') return rejected(loop)
      if (iteration === loop.maxIterations)
        return Flow.Cancelled({ reason: `${stepLabel(loop)} was rejected after ${iteration} iterations` })
      rejection = { feedback: verdict.feedback, previousOutput: verdict.output }
    }
    return Option.match(produced, {
      onNone: () => Flow.Skipped({ reason: 'none of its iterations produced an output' }),
      onSome: (output) => Flow.Done({ output }),
    })
  })

/**
 * A parallel: its branches run side by side, each to its end or its pause, so one waiting for
 * a person pauses the workflow while the others finish (they are not run again on resume).
 * Its output is theirs, by name.
 */
const runParallel = (stretch: Stretch, parallel: Parallel, scope: Scope): Work =>
  Effect.gen(function* () {
    const flows = yield* Effect.forEach(parallel.steps, (branch) => runComponent(stretch, branch, scope), {
      concurrency: 'unbounded',
    })
    const halt =
      flows.find((flow) => flow._tag === 'Cancelled') ??
      flows.find((flow) => flow._tag === 'Failed') ??
      flows.find((flow) => flow._tag === 'Waiting')
    if (halt !== undefined) return halt
    const outputs = Object.fromEntries(
      parallel.steps.flatMap((branch, index) => {
        const flow = flows[index]!
        return flow._tag === 'Done' ? [[branch.name, flow.output] as const] : []
      }),
    )
    return Object.keys(outputs).length === 0
      ? Flow.Skipped({ reason: 'none of its branches produced an output' })
      : Flow.Done({ output: outputs })
  })
