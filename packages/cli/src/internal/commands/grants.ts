import { Option } from '@commander-js/extra-typings'
import { ExitCode } from '../../ExitCode.js'
import { age, argsText } from '../describe.js'
import { printable } from '../printable.js'
import type { Act, Program } from '../program.js'
import { table, truncate } from '../table.js'

const statuses = ['active', 'used', 'revoked'] as const

/** Approvals given ahead of time: listed, and revoked (approvers and admins). */
export const registerGrants = (program: Program, act: Act) => {
  const grants = program
    .command('grants')
    .summary('list the grants (calls let through without asking), or revoke one')
    .description('list the grants, latest first, or revoke one (approvers and admins)')
  grants
    .command('list', { isDefault: true })
    .summary('list the grants, latest first')
    .addOption(new Option('-s, --status <status>', 'only grants of this status').choices(statuses))
    .action((options, command) =>
      act(command.optsWithGlobals(), async ({ client, output }) => {
        const found = (
          await client.grants.list(options.status === undefined ? {} : { status: options.status })
        ).sort((a, b) => b.grantedAt - a.grantedAt)
        if (output.json) {
          output.value(found)
          return ExitCode.ok
        }
        if (found.length === 0) {
          output.lines(['No grant.'])
          return ExitCode.ok
        }
        const now = Date.now()
        output.lines(
          table(
            output,
            [
              { header: 'ID', style: 'bold' },
              { header: 'STATUS', style: 'yellow' },
              { header: 'TOOL' },
              { header: 'SOURCE' },
              { header: 'FOR' },
              { header: 'SESSION' },
              { header: 'ARGS' },
              { header: 'USES', align: 'right' },
              { header: 'GRANTED BY' },
              { header: 'AGE', align: 'right' },
            ],
            found.map((grant) => [
              grant.id,
              grant.status,
              grant.toolName,
              grant.sourceId,
              grant.principalId ?? '',
              grant.sessionId,
              grant.args === undefined ? 'any' : truncate(argsText(grant.args), 40),
              String(grant.uses),
              grant.grantedBy.id,
              age(grant.grantedAt, now),
            ]),
          ),
        )
        return ExitCode.ok
      }),
    )
  grants
    .command('revoke')
    .summary('revoke a grant: the next matching call asks again')
    .argument('<grantId>')
    .option('-n, --note <text>', 'why, kept with the revocation')
    .action((grantId, options, command) =>
      act(command.optsWithGlobals(), async ({ client, output }) => {
        const revoked = await client.grants.revoke(
          grantId,
          options.note === undefined ? {} : { note: options.note },
        )
        if (output.json) output.value(revoked)
        else
          output.lines([
            printable(`Revoked grant ${revoked.id} (${revoked.toolName} from ${revoked.sourceId}).`),
          ])
        return ExitCode.ok
      }),
    )
}
