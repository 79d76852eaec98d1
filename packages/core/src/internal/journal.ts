import type { Message } from '../Message.js'
import type { RequirementRecord } from '../Requirement.js'
import type { RunRecord } from '../Run.js'
import type { RunEvent } from '../RunEvent.js'

/** The requirements of the run's last pause, in the pause's order, from a list of requirements. */
export const ofPause = (run: RunRecord, requirements: ReadonlyArray<RequirementRecord>) =>
  run.pendingRequirementIds.flatMap((id) => requirements.filter((requirement) => requirement.id === id))

/**
 * Calls started since the last stop that have no result in the transcript, with the arguments
 * they started with. A delegation call taken up again (its member's run continued) is at work
 * as well, though it started before the stop.
 */
export const startedWithoutResult = (since: ReadonlyArray<RunEvent>, messages: ReadonlyArray<Message>) => {
  const answered = new Set(
    messages.flatMap((message) => (message._tag === 'Tool' ? [message.toolCallId] : [])),
  )
  const calls = new Map(
    messages.flatMap((message) =>
      message._tag === 'Assistant' ? message.toolCalls.map((call) => [call.id, call.args] as const) : [],
    ),
  )
  const started = new Map<string, Readonly<Record<string, unknown>>>()
  for (const event of since) {
    if (event._tag === 'ToolCallStarted' && !answered.has(event.toolCall.id))
      started.set(event.toolCall.id, event.toolCall.args)
    if (event._tag === 'MemberRunContinued' && !answered.has(event.toolCallId)) {
      const args = calls.get(event.toolCallId)
      if (args !== undefined) started.set(event.toolCallId, args)
    }
  }
  return started
}
