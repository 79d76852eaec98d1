import { ExitCode } from '../../ExitCode.js'
import { age, argsText, callText } from '../describe.js'
import type { Act, Program } from '../program.js'
import { table, truncate } from '../table.js'

/** The largest page of approvals the server answers. */
const maxApprovalPage = 1000 // the core's Approval.maxPageSize

export const registerPending = (program: Program, act: Act) =>
  program
    .command('pending')
    .summary('list what waits for your decision')
    .description(
      'list what waits for your decision, oldest first as the control panel shows it: the requirements of your paused runs and, for approvers, the approval queue',
    )
    .option('--newest-first', 'the newest first')
    .action((options, command) =>
      act(command.optsWithGlobals(), async ({ client, output }) => {
        // The queue is worked from its oldest, as in the control panel.
        const direction = options.newestFirst === true ? -1 : 1
        const awaiting = (await client.runs.awaitingMe()).sort(
          (a, b) => direction * (a.createdAt - b.createdAt),
        )
        if (output.json) {
          output.value(awaiting)
          return ExitCode.ok
        }
        if (awaiting.length === 0) {
          output.lines(['Nothing waits for you.'])
          return ExitCode.ok
        }
        // Whose call an approval is: the approval queue knows.
        const requesters = awaiting.some(({ kind }) => kind === 'approval')
          ? new Map(
              (await client.approvals.list({ status: 'pending', limit: maxApprovalPage })).approvals.map(
                (approval) => [approval.id, approval.userId ?? approval.requestedBy.id],
              ),
            )
          : new Map<string, string>()
        const now = Date.now()
        output.lines(
          table(
            output,
            [
              { header: 'ID', style: 'bold' },
              { header: 'RUN' },
              { header: 'DEFINITION' },
              { header: 'KIND', style: 'yellow' },
              { header: 'TOOL' },
              { header: 'ARGS' },
              { header: 'REQUESTER' },
              { header: 'AGE', align: 'right' },
            ],
            awaiting.map((item) => [
              item.requirementId,
              item.runId,
              item.definitionId,
              item.kind,
              callText(item),
              truncate(argsText(item.toolCall.args), 60),
              item.kind === 'approval' ? (requesters.get(item.requirementId) ?? '') : 'you',
              age(item.createdAt, now),
            ]),
          ),
        )
        return ExitCode.ok
      }),
    )
