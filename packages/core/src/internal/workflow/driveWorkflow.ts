import { Effect, Option } from 'effect'
import type { IdGenerator } from '../../IdGenerator.js'
import type { RequirementRecord } from '../../Requirement.js'
import { RunStore } from '../../RunStore.js'
import type { WriteError } from '../../Errors.js'
import type { WorkflowDefinition } from '../../Workflow.js'
import { endingOnFailure } from '../runLoop.js'
import type { RunWriter } from '../RunWriter.js'
import { asText } from './executors.js'
import { readHistory } from './history.js'
import { runSequence } from './interpret.js'
import { Flow, type Stretch } from './stretch.js'
import type { Background } from '../background.js'
import type { Interrupted, StretchEnd } from '../stop.js'

/** What a paused workflow run says it waits for. */
const pausedContent = (raised: ReadonlyArray<RequirementRecord>) =>
  [
    'Workflow run paused. The following require input:',
    ...raised.map(({ member, toolCall, kind }) =>
      member === undefined
        ? `- ${toolCall.name}: ${kind}`
        : `- ${member.agentName}: ${toolCall.name} requires ${kind}`,
    ),
  ].join('\n')

/**
 * Drives a workflow run to its next stop: it replays the steps from what the store has (see
 * History), does what is left, and commits how far it got. A workflow whose step was rejected
 * with `cancel` ends cancelled, with the reason.
 */
export const driveWorkflow = (
  writer: RunWriter<WorkflowDefinition>,
  decided: ReadonlyArray<RequirementRecord>,
  interrupted: Interrupted | undefined,
): Effect.Effect<StretchEnd, WriteError, IdGenerator | RunStore | Background> =>
  endingOnFailure(
    writer,
    Effect.gen(function* () {
      const runId = writer.run.runId
      const stretch: Stretch = {
        writer,
        history: yield* readHistory(yield* RunStore, runId, decided),
        decided,
        interruptedCalls: interrupted?.then ?? 'retry',
        raised: [],
      }
      const flow = yield* runSequence(stretch, writer.agent.steps, {
        prefix: '',
        previous: Option.none(),
        outputs: {},
        rejection: undefined,
      })
      const complete = (content: string) =>
        writer
          .commit(
            { _tag: 'RunCompleted', runId, content },
            { status: 'completed', content, pendingRequirementIds: [] },
          )
          .pipe(Effect.as<StretchEnd>({ _tag: 'Completed', content }))
      return yield* Flow.$match(flow, {
        Done: ({ output }) => complete(asText(output)),
        Skipped: () => complete(''),
        Waiting: () =>
          writer
            .commit(
              { _tag: 'RunPaused', runId, requirements: stretch.raised },
              {
                status: 'paused',
                content: pausedContent(stretch.raised),
                pendingRequirementIds: stretch.raised.map(({ id }) => id),
              },
              stretch.raised,
            )
            .pipe(Effect.as<StretchEnd>({ _tag: 'Paused', raised: stretch.raised })),
        Cancelled: ({ reason }) =>
          // The runs still working for it (a parallel's other agents) are cancelled with it.
          writer
            .cancel({ reason, content: `Workflow cancelled: ${reason}` })
            .pipe(Effect.as<StretchEnd>({ _tag: 'Cancelled', reason })),
        Failed: ({ error }) =>
          writer
            .commit(
              { _tag: 'RunFailed', runId, error },
              { status: 'failed', error, pendingRequirementIds: [] },
            )
            .pipe(Effect.as<StretchEnd>({ _tag: 'Failed', error })),
      })
    }),
  )
