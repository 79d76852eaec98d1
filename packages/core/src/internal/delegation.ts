import { Effect, Schema } from 'effect'
import type { RunFailure } from '../Errors.js'
import type { IdGenerator } from '../IdGenerator.js'
import type { ToolCall } from '../Message.js'
import type { RequirementRecord } from '../Requirement.js'
import type { RunStore } from '../RunStore.js'
import type { Actor } from '../Runnable.js'
import { type TeamDefinition, ToAllArgs, toAllMembers, toMember, ToMemberArgs } from '../Team.js'
import { enterChild } from './children.js'
import type { RunWriter } from './RunWriter.js'
import type { Background } from './background.js'
import type { DriveToStop, Stop } from './stop.js'

/** The run a member works in for one delegation call: the same id whenever the call is taken up. */
const memberRunId = (writer: RunWriter, call: ToolCall, member: Actor) =>
  `${writer.run.runId}/${call.id}/${member.id}`

/** Who the call hands its task to, or why it cannot. */
const addressees = (team: TeamDefinition, call: ToolCall) => {
  if (call.name === toAllMembers) {
    const args = Schema.decodeUnknownEither(ToAllArgs)(call.args)
    return args._tag === 'Left'
      ? { error: `invalid arguments: ${args.left.message}` }
      : { task: args.right.task, members: [...team.members.values()] }
  }
  const args = Schema.decodeUnknownEither(ToMemberArgs)(call.args)
  if (args._tag === 'Left') return { error: `invalid arguments: ${args.left.message}` }
  const member = team.members.get(args.right.member_id)
  return member === undefined
    ? { error: `the team has no member "${args.right.member_id}"` }
    : { task: args.right.task, members: [member] }
}

/**
 * Carries out a delegation call: each member's run is started, resumed with the root's
 * decisions, or read if it ended already. Members run side by side; the call completes with
 * their results once all have completed, and pauses with every requirement they raised if any
 * needs a person (the others have finished meanwhile). `drive` runs each member's loop: the
 * leader's own.
 */
export const delegate = (
  writer: RunWriter<TeamDefinition>,
  call: ToolCall,
  resolved: ReadonlyArray<RequirementRecord>,
  interruptedCalls: 'retry' | 'ask',
  drive: DriveToStop,
): Effect.Effect<Stop, RunFailure, RunStore | IdGenerator | Background> =>
  Effect.gen(function* () {
    const to = addressees(writer.agent, call)
    if ('error' in to) return { _tag: 'Failed', error: to.error } satisfies Stop
    const runId = writer.run.runId
    let started = false
    const stops = yield* Effect.forEach(
      to.members,
      (member) => {
        const named = {
          memberRunId: memberRunId(writer, call, member),
          memberId: member.id,
          memberName: member.name,
        }
        const announce = (how: 'started' | 'continued') =>
          Effect.gen(function* () {
            if (how === 'started') {
              // The call starts with its first member's run; taken up again, it goes on.
              if (!started) yield* writer.emit({ _tag: 'ToolCallStarted', runId, toolCall: call })
              started = true
              yield* writer.emit({
                _tag: 'MemberRunStarted',
                runId,
                ...named,
                toolCallId: call.id,
                task: to.task,
              })
            } else yield* writer.emit({ _tag: 'MemberRunContinued', runId, ...named, toolCallId: call.id })
            // Stored before the member works: should this process die, the parent knows of the member's run.
            yield* writer.flush
          })
        return Effect.tap(
          enterChild(
            writer,
            member,
            { runId: named.memberRunId, input: to.task, resolved, interruptedCalls },
            announce,
            drive,
          ),
          (stop) =>
            writer.emit(
              stop._tag === 'Paused'
                ? {
                    _tag: 'MemberRunPaused',
                    runId,
                    ...named,
                    requirementIds: stop.raised.map(({ id }) => id),
                  }
                : stop._tag === 'Completed'
                  ? { _tag: 'MemberRunCompleted', runId, ...named, content: stop.content }
                  : { _tag: 'MemberRunFailed', runId, ...named, error: stop.error },
            ),
        ).pipe(Effect.map((stop) => ({ member, stop })))
      },
      { concurrency: 'unbounded' },
    )
    const raised = stops.flatMap(({ stop }) => (stop._tag === 'Paused' ? stop.raised : []))
    if (raised.length > 0) return { _tag: 'Paused', raised } satisfies Stop
    if (call.name === toMember) return stops[0]!.stop
    return {
      _tag: 'Completed',
      content: stops
        .map(({ member, stop }) =>
          stop._tag === 'Completed'
            ? `[${member.name}]: ${stop.content}`
            : `[${member.name}] failed: ${stop._tag === 'Failed' ? stop.error : ''}`,
        )
        .join('\n'),
    } satisfies Stop
  })
