import { ExitCode } from '../../ExitCode.js'
import type { Act, Program } from '../program.js'
import { table } from '../table.js'

export const registerDefinitions = (program: Program, act: Act) =>
  program
    .command('definitions')
    .summary('list the agents, teams and workflows served')
    .description('list the agents, teams and workflows the server serves')
    .action((_options, command) =>
      act(command.optsWithGlobals(), async ({ client, output }) => {
        const served = await client.definitions.list()
        if (output.json) output.value(served)
        else
          output.lines(
            table(
              output,
              [{ header: 'ID', style: 'bold' }, { header: 'KIND' }, { header: 'NAME' }],
              served.map(({ id, kind, name }) => [id, kind, name]),
            ),
          )
        return ExitCode.ok
      }),
    )
