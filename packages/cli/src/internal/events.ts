import type { RunEvent } from '@countersign/client'
import { argsText, callText, valueText } from './describe.js'
import type { Output, Style } from './Output.js'
import { printable } from './printable.js'

/** What happened to a requirement, read from its resolution value. */
const decisionText = (event: Extract<RunEvent, { _tag: 'RequirementResolved' }>) => {
  if (event.lapsed !== undefined) return event.lapsed
  const value = event.value
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    if ('approved' in value) {
      return value.approved === true ? 'approved' : 'rejected'
    }
    if ('values' in value && typeof value.values === 'object' && value.values !== null)
      return `answered ${argsText(value.values as Record<string, unknown>)}`
    if ('result' in value) return `result ${valueText(value.result)}`
  }
  return `resolved ${valueText(value)}`
}

/** A decision's note, if it has one. */
const noteOf = (value: unknown) =>
  typeof value === 'object' && value !== null && 'note' in value && typeof value.note === 'string'
    ? `: ${value.note}`
    : ''

/** The gist of an event: the tool, the requirements, the member or step, the content. */
const gist = (event: RunEvent): string => {
  switch (event._tag) {
    case 'RunStarted':
      return `${event.agentId}: ${event.input}`
    case 'ModelRequestStarted':
    case 'ModelRequestCompleted':
      return event.model
    case 'RunContent':
      return event.delta
    case 'ToolCallStarted':
      return `${event.toolCall.name}(${argsText(event.toolCall.args)})${event.audited === true ? ' [recorded for audit]' : ''}`
    case 'ToolCallCompleted':
      return event.result === undefined ? event.toolName : `${event.toolName} → ${valueText(event.result)}`
    case 'ToolCallFailed':
      return `${event.toolName}: ${event.error}`
    case 'RunPaused':
      return event.requirements
        .map((requirement) => `${requirement.kind} ${callText(requirement)} [${requirement.id}]`)
        .join('; ')
    case 'RequirementResolved':
      return `${event.kind} [${event.requirementId}] ${decisionText(event)} by ${event.resolvedBy.id}${noteOf(event.value)}`
    case 'RunContinued':
      return ''
    case 'RunRecovered':
      return event.interruptedToolCallIds.length === 0
        ? ''
        : `interrupted calls ${event.interruptedToolCallIds.join(', ')}`
    case 'RunCompleted':
      return event.content
    case 'RunFailed':
      return event.error
    case 'RunCancelled':
      return event.reason ?? ''
    case 'MemberRunStarted':
      return `${event.memberId}: ${event.task}`
    case 'MemberRunPaused':
      return `${event.memberId} waits on ${event.requirementIds.join(', ')}`
    case 'MemberRunContinued':
      return event.memberId
    case 'MemberRunCompleted':
      return `${event.memberId}: ${event.content}`
    case 'MemberRunFailed':
      return `${event.memberId}: ${event.error}`
    case 'StepStarted':
      return `${event.stepName} (${event.stepType})${event.attempt === 0 ? '' : `, attempt ${event.attempt + 1}`}`
    case 'StepCompleted':
      return `${event.stepName}: ${valueText(event.output)}`
    case 'StepSkipped':
      return `${event.stepName}: ${event.reason}`
    case 'StepPaused':
      return `${event.stepName} waits for ${event.why} on ${event.requirementIds.join(', ')}`
    case 'StepContinued':
      return event.stepName
    case 'StepBranched':
      return `${event.stepName} → ${event.branches.join(', ')}`
    case 'LoopIterationCompleted':
      return `${event.stepName} iteration ${event.iteration + 1}${event.done ? ', the last' : ''}`
  }
}

const tagStyle = (tag: RunEvent['_tag']): Style => {
  switch (tag) {
    case 'RunCompleted':
    case 'MemberRunCompleted':
      return 'green'
    case 'RunFailed':
    case 'RunCancelled':
    case 'ToolCallFailed':
    case 'MemberRunFailed':
      return 'red'
    case 'RunPaused':
    case 'MemberRunPaused':
    case 'StepPaused':
      return 'yellow'
    default:
      return 'cyan'
  }
}

/** The longest tag, so that the gists line up. */
const tagWidth = 'LoopIterationCompleted'.length

/** When, as the local time of day to the millisecond. */
const timeText = (at: number) => {
  const date = new Date(at)
  const two = (n: number) => String(n).padStart(2, '0')
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${String(date.getMilliseconds()).padStart(3, '0')}`
}

/** Text on one line, whatever line breaks it has; nothing in it drives the terminal. */
const oneLine = (text: string) => printable(text.replace(/\r?\n/g, ' ⏎ '))

/** An event's sequence number, time and tag, lined up. */
const lineStart = (output: Output, event: RunEvent) =>
  `${String(event.seq).padStart(4)}  ${output.style('dim', timeText(event.at))}  ${output.style(tagStyle(event._tag), event._tag.padEnd(tagWidth))}  `

/** One event as one line: sequence number, time, tag, gist. */
const eventLine = (output: Output, event: RunEvent): string =>
  `${lineStart(output, event)}${oneLine(gist(event))}`.trimEnd()

/**
 * Prints a run's events as they arrive, one a line (JSON with `--json`). A model's text streams:
 * its deltas are written on one line as they come, the line starting with the first delta's
 * sequence number and ending when another event arrives (or `end`).
 */
export const eventPrinter = (output: Output) => {
  let streaming = false
  const endLine = () => {
    if (streaming) output.text('\n')
    streaming = false
  }
  return {
    print(event: RunEvent) {
      if (output.json) return output.value(event)
      if (event._tag !== 'RunContent') {
        endLine()
        return output.lines([eventLine(output, event)])
      }
      output.text(`${streaming ? '' : lineStart(output, event)}${oneLine(event.delta)}`)
      streaming = true
    },
    end: endLine,
  }
}
