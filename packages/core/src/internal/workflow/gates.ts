import { Clock, Duration, Effect, Schema } from 'effect'
import { DefinitionError } from '../../Errors.js'
import { IdGenerator } from '../../IdGenerator.js'
import { OutputReview } from '../../plugins/OutputReview.js'
import { RouteSelection } from '../../plugins/RouteSelection.js'
import { StepConfirmation } from '../../plugins/StepConfirmation.js'
import { StepUserInput } from '../../plugins/StepUserInput.js'
import { type ExpiryAction, RequirementRecord } from '../../Requirement.js'
import type { Outcome, RequirementPlugin } from '../../RequirementPlugin.js'
import type { StepPaused } from '../../RunEvent.js'
import type { Component, OnTimeout, Parallel, Router, Step } from '../../Workflow.js'
import { describe } from '../describe.js'
import { attemptKey } from './history.js'
import { Flow, named, type Stretch, stepLabel, tell, type Work } from './stretch.js'

/*
 * What people decide about a workflow's parts: each decision is a requirement of the run,
 * raised the first time the part gets there, and read back from the run's history on every
 * stretch after it was decided.
 */

/** A part that may ask people: all but a parallel. */
export type Asking = Exclude<Component, Parallel>

/** What the requirement says happens when nobody decides before the part's timeout. */
const expiryAction: Record<OnTimeout, ExpiryAction> = { cancel: 'cancel', skip: 'reject', approve: 'approve' }

type Verdict<Request> =
  | { readonly _tag: 'Open' }
  | { readonly _tag: 'Decided'; readonly request: Request; readonly outcome: Outcome }
  | { readonly _tag: 'Lapsed'; readonly request: Request; readonly onExpire: ExpiryAction }

/** What became of the requirement of `plugin`'s kind on a step attempt: not asked (or not decided), decided, or lapsed. */
const verdictOn = <Request, Resolution>(
  stretch: Stretch,
  plugin: RequirementPlugin<string, Request, Resolution>,
  toolCallId: string,
): Effect.Effect<Verdict<Request>, DefinitionError> =>
  Effect.try({
    try: (): Verdict<Request> => {
      const requirement = stretch.history.decision(plugin.kind, toolCallId)
      if (requirement?.resolution === undefined) return { _tag: 'Open' }
      const request = Schema.decodeUnknownSync(plugin.request)(requirement.request)
      const { lapsed, value } = requirement.resolution
      if (lapsed !== undefined)
        return {
          _tag: 'Lapsed',
          request,
          onExpire: lapsed === 'cancelled' ? 'cancel' : (requirement.onExpire ?? 'cancel'),
        }
      const resolution = Schema.decodeUnknownSync(plugin.resolution)(value)
      const call = requirement.toolCall
      return {
        _tag: 'Decided',
        request,
        outcome: plugin.outcome({ call, request, resolution, args: call.args }),
      }
    },
    catch: (cause) => new DefinitionError({ subject: `step attempt ${toolCallId}`, reason: describe(cause) }),
  })

/** Raises a requirement on a step attempt, to be stored with the run's pause: the part waits for it. */
const ask = <Request, Resolution>(
  stretch: Stretch,
  component: Asking,
  at: { readonly key: string; readonly attempt: number; readonly toolCallId: string },
  plugin: RequirementPlugin<string, Request, Resolution>,
  why: (typeof StepPaused.Type)['why'],
  request: Request,
): Work =>
  Effect.gen(function* () {
    const { writer } = stretch
    const now = yield* Clock.currentTimeMillis
    const requirement = new RequirementRecord({
      id: yield* (yield* IdGenerator).next,
      runId: writer.root.runId,
      epoch: writer.root.epoch,
      kind: plugin.kind,
      toolCall: { id: at.toolCallId, name: component.name, args: {} },
      request: Schema.encodeSync(plugin.request)(request),
      status: 'pending',
      createdAt: now,
      ...(component.timeout === undefined
        ? {}
        : {
            expiresAt: now + Duration.toMillis(component.timeout),
            onExpire: expiryAction[component.onTimeout],
          }),
    })
    stretch.raised.push(requirement)
    yield* tell(stretch, {
      _tag: 'StepPaused',
      ...named(stretch, component, at.key),
      attempt: at.attempt,
      why,
      requirementIds: [requirement.id],
    })
    return Flow.Waiting()
  })

/** A requirement nobody decided in time: the part is approved (`approved`), skipped, or the run cancelled. */
const lapsed = <A>(component: Asking, onExpire: ExpiryAction, approved: () => A): A | Flow => {
  const reason = `nobody decided on ${stepLabel(component)} in time`
  switch (onExpire) {
    case 'approve':
      return approved()
    case 'reject':
      return Flow.Skipped({ reason })
    case 'cancel':
      return Flow.Cancelled({ reason })
  }
}

/** What a rejection does when it does not retry: the part is skipped or the run cancelled. */
export const rejected = (component: Asking): Flow => {
  const reason = `${stepLabel(component)} was rejected`
  return component.onReject === 'cancel' ? Flow.Cancelled({ reason }) : Flow.Skipped({ reason })
}

/** The run is cancelled: the part was rejected once more than it may be retried. */
export const retriesSpent = (component: Asking) =>
  Flow.Cancelled({
    reason: `${stepLabel(component)} was rejected ${component.maxRetries + 1} times`,
  })

/**
 * Asks whether the part may start (with `input`, its form as answered), until a person says yes
 * or no; with `retry`, a rejection asks again, at most `maxRetries` times.
 */
export const confirmation = (
  stretch: Stretch,
  component: Asking,
  key: string,
  input?: Readonly<Record<string, unknown>>,
): Work<{ readonly _tag: 'Confirmed' } | { readonly _tag: 'Rejected' } | Flow> =>
  Effect.gen(function* () {
    for (let attempt = 0; ; attempt++) {
      const toolCallId = attemptKey(key, attempt)
      const verdict = yield* verdictOn(stretch, StepConfirmation, toolCallId)
      switch (verdict._tag) {
        case 'Open':
          return yield* ask(
            stretch,
            component,
            { key, attempt, toolCallId },
            StepConfirmation,
            'confirmation',
            {
              ...(component.confirmationMessage === undefined
                ? {}
                : { message: component.confirmationMessage }),
              stepType: component.type,
              ...(input === undefined ? {} : { input }),
            },
          )
        case 'Lapsed':
          return lapsed(component, verdict.onExpire, () => ({ _tag: 'Confirmed' }) as const)
        case 'Decided':
          if (verdict.outcome._tag === 'Execute') return { _tag: 'Confirmed' } as const
          if (component.onReject !== 'retry') return { _tag: 'Rejected' } as const
          if (attempt >= component.maxRetries) return retriesSpent(component)
      }
    }
  })

/** The form a person filled in before the step runs (asked once per occurrence of the step). */
export const userInput = (
  stretch: Stretch,
  step: Step,
  key: string,
): Work<{ readonly _tag: 'Answered'; readonly values: Readonly<Record<string, unknown>> } | Flow> =>
  Effect.gen(function* () {
    const verdict = yield* verdictOn(stretch, StepUserInput, key)
    switch (verdict._tag) {
      case 'Open':
        return yield* ask(stretch, step, { key, attempt: 0, toolCallId: key }, StepUserInput, 'user_input', {
          ...(step.userInputMessage === undefined ? {} : { message: step.userInputMessage }),
          fields: step.userInputSchema,
        })
      case 'Lapsed':
        // A form is never approved unanswered (see Workflow.step): only skip or cancel get here.
        return lapsed(step, verdict.onExpire, () => Flow.Skipped({ reason: 'nobody filled in the form' }))
      case 'Decided':
        return verdict.outcome._tag === 'Execute'
          ? ({ _tag: 'Answered', values: verdict.outcome.args } as const)
          : rejected(step)
    }
  })

/** The routes a person chose for a router's attempt. */
export const routeSelection = (
  stretch: Stretch,
  router: Router,
  key: string,
  attempt: number,
): Work<{ readonly _tag: 'Chosen'; readonly routes: ReadonlyArray<string> } | Flow> =>
  Effect.gen(function* () {
    const toolCallId = attemptKey(key, attempt)
    const verdict = yield* verdictOn(stretch, RouteSelection, toolCallId)
    switch (verdict._tag) {
      case 'Open':
        return yield* ask(stretch, router, { key, attempt, toolCallId }, RouteSelection, 'route_selection', {
          ...(router.userInputMessage === undefined ? {} : { message: router.userInputMessage }),
          choices: router.choices.map(({ name }) => name),
          allowMultiple: router.allowMultipleSelections,
        })
      case 'Lapsed':
        return lapsed(router, verdict.onExpire, () => Flow.Skipped({ reason: 'nobody chose a route' }))
      case 'Decided':
        return verdict.outcome._tag === 'Result'
          ? ({ _tag: 'Chosen', routes: verdict.outcome.result as ReadonlyArray<string> } as const)
          : rejected(router)
    }
  })

export type Reviewed =
  | { readonly _tag: 'Approved'; readonly output: unknown }
  | { readonly _tag: 'Rejected'; readonly feedback: string | undefined; readonly output: unknown }

/**
 * A person's review of what a part produced (`output`, shown to them): approved (as it is, or
 * edited), or rejected with their feedback. `reviewed` is the step attempt or loop iteration
 * (its requirement's `toolCall.id`).
 */
export const outputReview = (
  stretch: Stretch,
  component: Step | Router | Extract<Component, { type: 'loop' }>,
  at: {
    readonly key: string
    readonly attempt: number
    readonly reviewed: string
    readonly iteration?: number
  },
  output: unknown,
): Work<Reviewed | Flow> =>
  Effect.gen(function* () {
    const verdict = yield* verdictOn(stretch, OutputReview, at.reviewed)
    switch (verdict._tag) {
      case 'Open': {
        const message =
          component.type === 'loop' ? component.iterationReviewMessage : component.outputReviewMessage
        return yield* ask(
          stretch,
          component,
          { key: at.key, attempt: at.attempt, toolCallId: at.reviewed },
          OutputReview,
          'output_review',
          {
            ...(message === undefined ? {} : { message }),
            stepType: component.type,
            output,
            ...(at.iteration === undefined ? {} : { iteration: at.iteration }),
          },
        )
      }
      case 'Lapsed':
        return lapsed(component, verdict.onExpire, (): Reviewed => ({
          _tag: 'Approved',
          output: verdict.request.output,
        }))
      case 'Decided':
        return verdict.outcome._tag === 'Result'
          ? { _tag: 'Approved', output: verdict.outcome.result }
          : {
              _tag: 'Rejected',
              feedback:
                verdict.outcome._tag === 'Skip' && verdict.outcome.message !== ''
                  ? verdict.outcome.message
                  : undefined,
              output: verdict.request.output,
            }
    }
  })
