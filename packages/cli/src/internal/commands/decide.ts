import type { ApprovalView } from '@countersign/client'
import type { RequirementPlugin } from '@countersign/core'
import { ExitCode } from '../../ExitCode.js'
import type { Context } from '../Context.js'
import { argsText } from '../describe.js'
import { printable } from '../printable.js'
import { printRun } from '../printRun.js'
import { fieldValues } from '../fields.js'
import { decision } from '../resolutions.js'
import { UsageError } from '../UsageError.js'
import { expandId, requirementOfRun } from '../ids.js'
import type { Act, Program } from '../program.js'

/** What a decision is about: an approval of the queue, or a requirement of the caller's run. */
type Target =
  | { readonly _tag: 'Approval'; readonly approvalId: string }
  | { readonly _tag: 'Requirement'; readonly runId: string; readonly requirementId: string }

/**
 * The target of a single id from `countersign pending`: a requirement of the caller's run when
 * one waits with that id, else an approval of the queue (whose id is its requirement's), which
 * the server then finds or not.
 */
const locate = async ({ client }: Context, given: string): Promise<Target> => {
  const pending = await client.runs.awaitingMe()
  const id = expandId(
    given,
    pending.map(({ requirementId }) => requirementId),
    'requirement',
  )
  const awaiting = pending.find(({ requirementId }) => requirementId === id)
  return awaiting === undefined || awaiting.kind === 'approval'
    ? { _tag: 'Approval', approvalId: id }
    : { _tag: 'Requirement', runId: awaiting.runId, requirementId: id }
}

/** The arguments a call was asked about: the ones changes are made to. */
const argumentsOf = async ({ client }: Context, target: Target) => {
  if (target._tag === 'Approval') return (await client.approvals.get(target.approvalId)).toolArgs
  const awaiting = (await client.runs.awaitingMe()).find(
    ({ requirementId }) => requirementId === target.requirementId,
  )
  if (awaiting === undefined) throw new UsageError('it waits for nobody now: nothing to change')
  return awaiting.toolCall.args
}

const approvalLines = (approval: ApprovalView) =>
  [
    `Approval ${approval.id} ${approval.status}: ${approval.toolName}(${argsText(approval.toolArgs)}) in run ${approval.runId} (${approval.source.id})`,
    // The server resumes a run once its last open decision is made (unless it leaves that to the owner: `continue`).
    `Its run goes on once nothing else in it waits for a decision: countersign watch ${approval.runId}`,
  ].map(printable)

/**
 * Decides: an approval is recorded (the server continues its run), a requirement of the
 * caller's run is recorded and the run continued, to where it stops next.
 */
const decide = async (
  context: Context,
  ids: readonly [string, string | undefined],
  decided: RequirementPlugin.Decision,
  changes: Readonly<Record<string, unknown>> = {},
) => {
  const [first, requirementId] = ids
  const target: Target =
    requirementId === undefined
      ? await locate(context, first)
      : { _tag: 'Requirement', ...(await requirementOfRun(context, first, requirementId)) }
  const answer =
    Object.keys(changes).length === 0
      ? decided
      : { ...decided, args: { ...(await argumentsOf(context, target)), ...changes } }
  if (target._tag === 'Approval') {
    const approval = await context.client.approvals.decide(target.approvalId, answer)
    if (context.output.json) context.output.value(approval)
    else context.output.lines(approvalLines(approval))
    return ExitCode.ok
  }
  return printRun(
    context.output,
    await context.client.runs.continue(target.runId, [decision(target.requirementId, answer)]),
  )
}

const ids = {
  first: [
    '<id>',
    'an id from `countersign pending` (an approval, or a requirement of your run), or its first characters; the run id when the requirement id follows',
  ],
  requirement: ['[requirementId]', 'a requirement of the run <id>'],
} as const

export const registerDecide = (program: Program, act: Act) => {
  program
    .command('approve')
    .summary('approve an approval, or a requirement of your run')
    .description(
      'approve an approval, or confirm a requirement of your run and continue the run (exit by where it stops)',
    )
    .argument(...ids.first)
    .argument(...ids.requirement)
    .option('-n, --note <text>', 'why, kept with the decision')
    .option(
      '--set <name=value...>',
      'approve with changes: the call runs with these arguments in place of its own (a value read as JSON when it parses); the server checks them against the tool and its policies judge them again',
    )
    .action((id, requirementId, options, command) => {
      const changes = fieldValues(options.set ?? [])
      return act(command.optsWithGlobals(), (context) =>
        decide(
          context,
          [id, requirementId],
          { approved: true, ...(options.note === undefined ? {} : { note: options.note }) },
          changes,
        ),
      )
    })
  program
    .command('reject')
    .summary('reject an approval, or a requirement of your run')
    .description(
      'reject an approval, or a requirement of your run and continue the run: the model is told the note',
    )
    .argument(...ids.first)
    .argument(...ids.requirement)
    .requiredOption('-n, --note <text>', 'why: the model is told')
    .action((id, requirementId, options, command) =>
      act(command.optsWithGlobals(), (context) =>
        decide(context, [id, requirementId], { approved: false, note: options.note }),
      ),
    )
}
