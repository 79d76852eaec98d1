import { InvalidArgumentError, Option } from '@commander-js/extra-typings'
import { ExitCode } from '../../ExitCode.js'
import { age, argsText } from '../describe.js'
import type { Act, Program } from '../program.js'
import { table, truncate } from '../table.js'

const decisions = ['approved', 'rejected', 'expired', 'cancelled'] as const

const count = (text: string) => {
  if (!/^\d+$/.test(text)) throw new InvalidArgumentError('Not a whole number.')
  return Number(text)
}

/** What approvers decided, and the calls recorded for audit: the approval queue's records. */
export const registerHistory = (program: Program, act: Act) =>
  program
    .command('history')
    .summary('list decided approvals (or, with --audit, calls recorded for audit), latest first')
    .description(
      'list what approvers decided, latest first: who, what, when and their note; with --audit, the calls that ran without asking but were recorded, with how they ended (approvers and admins)',
    )
    .option('--audit', 'the calls recorded for audit instead')
    .addOption(new Option('-s, --status <decision>', 'only this decision').choices(decisions))
    .option('-l, --limit <n>', 'how many (at most 1000)', count, 20)
    .action((options, command) =>
      act(command.optsWithGlobals(), async ({ client, output }) => {
        const audit = options.audit === true
        const page = await client.approvals.list({
          type: audit ? 'audit' : 'required',
          ...(options.status === undefined ? {} : { status: options.status }),
          limit: options.limit,
        })
        const records = audit ? page.approvals : page.approvals.filter(({ status }) => status !== 'pending')
        if (output.json) {
          output.value(records)
          return ExitCode.ok
        }
        if (records.length === 0) {
          output.lines([audit ? 'No call recorded for audit yet.' : 'No decision yet.'])
          return ExitCode.ok
        }
        const now = Date.now()
        output.lines(
          audit
            ? table(
                output,
                [
                  { header: 'TOOL', style: 'bold' },
                  { header: 'ARGS' },
                  { header: 'FOR' },
                  { header: 'OUTCOME' },
                  { header: 'AGE', align: 'right' },
                  { header: 'RUN' },
                ],
                records.map((record) => [
                  record.toolName,
                  truncate(argsText(record.toolArgs), 50),
                  record.userId ?? record.requestedBy.id,
                  record.outcome?.status ?? 'running',
                  age(record.createdAt, now),
                  record.runId,
                ]),
              )
            : table(
                output,
                [
                  { header: 'DECISION', style: 'yellow' },
                  { header: 'TOOL', style: 'bold' },
                  { header: 'ARGS' },
                  { header: 'REQUESTER' },
                  { header: 'DECIDED BY' },
                  { header: 'AGE', align: 'right' },
                  { header: 'NOTE' },
                ],
                records.map((record) => [
                  record.status,
                  record.toolName,
                  truncate(argsText(record.toolArgs), 50),
                  record.userId ?? record.requestedBy.id,
                  record.resolvedBy?.id ?? 'nobody',
                  age(record.resolvedAt ?? record.createdAt, now),
                  truncate(record.note ?? '', 40),
                ]),
              ),
        )
        return ExitCode.ok
      }),
    )
