import { InvalidArgumentError, Option } from '@commander-js/extra-typings'
import type { RunSummaryView } from '@countersign/client'
import { maxRunSearchLength } from '@countersign/core'
import { ExitCode } from '../../ExitCode.js'
import { age } from '../describe.js'
import type { Act, Program } from '../program.js'
import { table, truncate } from '../table.js'

const statuses = ['running', 'paused', 'completed', 'failed', 'cancelled'] as const

const count = (text: string) => {
  if (!/^\d+$/.test(text)) throw new InvalidArgumentError('Not a whole number.')
  return Number(text)
}

const searchText = (text: string) => {
  if (text.length === 0 || text.length > maxRunSearchLength)
    throw new InvalidArgumentError(`Give 1 to ${maxRunSearchLength} characters.`)
  return text
}

/** The run's status, with how its decisions went when any was counted: `completed · 1 rejected`. */
const statusWithDecisions = ({ status, decisions }: RunSummaryView) =>
  [
    status,
    ...(decisions === undefined
      ? []
      : (['approved', 'edited', 'rejected', 'expired'] as const).flatMap((outcome) =>
          decisions[outcome] > 0 ? [`${decisions[outcome]} ${outcome}`] : [],
        )),
  ].join(' · ')

export const registerRuns = (program: Program, act: Act) =>
  program
    .command('runs')
    .summary('list your runs, newest first')
    .description("list your runs (an admin: everyone's), newest first")
    .addOption(new Option('-s, --status <status>', 'only runs of this status').choices(statuses))
    .option('-d, --definition <id>', 'only runs of this agent, team or workflow')
    .option(
      '-q, --search <text>',
      'only runs whose input or answer holds this text, of this definition, or whose id starts with it',
      searchText,
    )
    .option(
      '--interrupted',
      'only interrupted runs (their server died while they worked): recover or cancel them',
    )
    .option('-l, --limit <n>', 'how many (at most 100)', count, 20)
    .option('--offset <n>', 'how many to skip', count, 0)
    .action((options, command) =>
      act(command.optsWithGlobals(), async ({ client, output }) => {
        const page = await client.runs.list({
          limit: options.limit,
          offset: options.offset,
          ...(options.status === undefined ? {} : { status: options.status }),
          ...(options.definition === undefined ? {} : { definitionId: options.definition }),
          ...(options.search === undefined ? {} : { search: options.search }),
          ...(options.interrupted === true ? { interrupted: true as const } : {}),
        })
        if (output.json) {
          output.value(page)
          return ExitCode.ok
        }
        const now = Date.now()
        output.lines([
          ...table(
            output,
            [
              { header: 'RUN' },
              { header: 'DEFINITION', style: 'bold' },
              { header: 'STATUS' },
              { header: 'WAITING', align: 'right' },
              { header: 'UPDATED', align: 'right' },
              { header: 'ANSWER' },
            ],
            page.runs.map((run) => [
              run.runId,
              run.agentId,
              statusWithDecisions(run),
              String(run.activeRequirementIds.length),
              age(run.updatedAt, now),
              truncate((run.content ?? run.error ?? '').replace(/\s+/g, ' '), 60),
            ]),
          ),
          // An inexact total is where the server stopped counting: at least that many.
          output.style('dim', `${page.runs.length} of ${page.total}${page.totalExact ? '' : '+'} runs`),
        ])
        return ExitCode.ok
      }),
    )
