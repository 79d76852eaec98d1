import { ExitCode } from '../../ExitCode.js'
import { age, argsText, callText } from '../describe.js'
import type { Act, Program } from '../program.js'
import { table, truncate } from '../table.js'

export const registerPending = (program: Program, act: Act) =>
  program
    .command('pending')
    .summary('list what waits for your decision')
    .description(
      'list what waits for your decision: the requirements of your paused runs and, for approvers, the approval queue',
    )
    .action((_options, command) =>
      act(command.optsWithGlobals(), async ({ client, output }) => {
        const awaiting = await client.runs.awaitingMe()
        if (output.json) {
          output.value(awaiting)
          return ExitCode.ok
        }
        if (awaiting.length === 0) {
          output.lines(['Nothing waits for you.'])
          return ExitCode.ok
        }
        // Whose call an approval is: the approval queue knows (one batched request for them all).
        const requesters = new Map(
          await Promise.all(
            awaiting
              .filter(({ kind }) => kind === 'approval')
              .map(async ({ requirementId }) => {
                const approval = await client.approvals.get(requirementId)
                return [requirementId, approval.userId ?? approval.requestedBy.id] as const
              }),
          ),
        )
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
              requesters.get(item.requirementId) ?? 'you',
              age(item.createdAt, now),
            ]),
          ),
        )
        return ExitCode.ok
      }),
    )
