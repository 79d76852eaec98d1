import type { RunEvent } from '@countersign/client'
import { eventPrinter } from '../events.js'
import { printRun } from '../printRun.js'
import type { Act, Program } from '../program.js'

/** Events after which the run's stream pauses or ends. */
const stopsAt = (event: RunEvent) =>
  event._tag === 'RunPaused' ||
  event._tag === 'RunCompleted' ||
  event._tag === 'RunFailed' ||
  event._tag === 'RunCancelled'

export const registerRun = (program: Program, act: Act) =>
  program
    .command('run')
    .summary('start a run (exits 0 when it completes, 3 when it pauses)')
    .description(
      'start a run; print its answer when it completes, or what it waits for when it pauses (exit 0 or 3)',
    )
    .argument('<definitionId>', 'the agent, team or workflow (see `countersign definitions`)')
    .argument('<input...>', 'what to ask it; words are joined with spaces')
    .option('-s, --session <id>', 'the session the run belongs to')
    .option('-w, --watch', 'print its events live until it pauses or ends')
    .action((definitionId, words, options, command) =>
      act(command.optsWithGlobals(), async ({ client, output }) => {
        const input = words.join(' ')
        const start = options.session === undefined ? {} : { sessionId: options.session }
        if (options.watch !== true)
          return printRun(output, await client.runs.start(definitionId, input, start))
        const { runId } = await client.runs.startStream(definitionId, input, start)
        const printer = eventPrinter(output)
        for await (const event of client.runEvents(runId)) {
          printer.print(event)
          if (stopsAt(event)) break
        }
        printer.end()
        return printRun(output, await client.runs.get(runId))
      }),
    )
