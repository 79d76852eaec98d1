import type { RequirementView, RunView } from '@countersign/client'
import type { Output } from './Output.js'
import { printable } from './printable.js'

/*
 * Values as a person reads them: strings bare, anything else as compact JSON; arguments as
 * `key: value` pairs. Whatever the server sent is printable: no control character of it reaches
 * the terminal.
 */

export const valueText = (value: unknown): string =>
  printable(typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value)))

export const argsText = (args: Readonly<Record<string, unknown>>): string =>
  Object.entries(args)
    .map(([key, value]) => `${printable(key)}: ${valueText(value)}`)
    .join(', ')

/** How long ago, in the largest unit that fits: `45s`, `12m`, `3h`, `2d`. */
export const age = (since: number, now: number): string => {
  const seconds = Math.max(0, Math.floor((now - since) / 1000))
  if (seconds < 60) return `${seconds}s`
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h`
  return `${Math.floor(seconds / 86_400)}d`
}

/** A tool call as a person reads it, with the team member or workflow step's agent making it. */
export const callText = (requirement: Pick<RequirementView, 'toolCall' | 'member'>): string =>
  printable(
    requirement.member === undefined
      ? requirement.toolCall.name
      : `${requirement.toolCall.name} (by ${requirement.member.agentId})`,
  )

/** A user-input form's fields: name, type, whether required, the prefill and the allowed values. */
const fieldsText = (fields: NonNullable<RequirementView['userInputSchema']>) =>
  fields.map((field) => {
    const notes = [
      field.type,
      field.required ? 'required' : 'optional',
      ...(field.value === undefined ? [] : [`now ${valueText(field.value)}`]),
      ...(field.allowedValues === undefined
        ? []
        : [`one of ${field.allowedValues.map(valueText).join(' | ')}`]),
    ]
    return printable(
      `${field.name} (${notes.join(', ')})${field.description === undefined ? '' : `: ${field.description}`}`,
    )
  })

/** The kinds answered with a decision, approved or not (the core's plugins that answer `decision`). */
const decided = new Set(['confirmation', 'step_confirmation', 'interrupted_call'])

/** The command that answers a requirement, or who else must. */
const howToAnswer = (requirement: RequirementView): Array<string> => {
  const ids = `${requirement.runId} ${requirement.id}`
  if (requirement.kind === 'approval') return [`waits for an approver: countersign approve ${requirement.id}`]
  if (decided.has(requirement.kind))
    return [`approve: countersign approve ${ids}`, `reject:  countersign reject ${ids} --note "…"`]
  // Kinds answered with user input come with their form.
  if (requirement.userInputSchema !== undefined)
    return [
      ...fieldsText(requirement.userInputSchema).map((field) => `field ${field}`),
      `answer: countersign input ${ids} name=value …`,
    ]
  if (requirement.kind === 'external_execution') return [`answer: countersign result ${ids} <json|->`]
  return [`request: ${valueText(requirement.request)}`, `answer: countersign resolve ${ids} <json|->`]
}

/** A requirement waiting for a decision: kind, id, call and arguments, then how to answer it. */
const requirementLines = (output: Output, requirement: RequirementView): Array<string> => [
  `  ${output.style('yellow', printable(requirement.kind))}  ${printable(requirement.id)}  ${output.style('bold', callText(requirement))}  ${argsText(requirement.toolCall.args)}`,
  ...howToAnswer(requirement).map((line) => `    ${output.style('dim', printable(line))}`),
]

const statusStyle = { completed: 'green', paused: 'yellow', failed: 'red', cancelled: 'red' } as const

/**
 * Where a run stands: its status, then its answer when it completed, its error when it failed,
 * or what it waits for when paused.
 */
export const runLines = (output: Output, run: RunView): Array<string> => {
  const status = run.status in statusStyle ? statusStyle[run.status as keyof typeof statusStyle] : 'cyan'
  const head = `Run ${printable(run.runId)} (${printable(run.agentId)}) ${output.style(status, printable(run.status))}`
  switch (run.status) {
    case 'completed':
      // An answer of several lines is printed as several lines, each printable.
      return run.content === undefined ? [head] : [head, ...run.content.split(/\r?\n/).map(printable)]
    case 'failed':
    case 'cancelled':
      return [run.error === undefined ? head : `${head}: ${printable(run.error)}`]
    case 'paused': {
      const waiting = run.requirements.filter(({ id }) => run.activeRequirementIds.includes(id))
      return [
        `${head}, waiting for ${waiting.length === 1 ? '1 decision' : `${waiting.length} decisions`}:`,
        ...waiting.flatMap((requirement) => requirementLines(output, requirement)),
      ]
    }
    default:
      return [head]
  }
}
