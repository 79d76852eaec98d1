import { Argument } from '@commander-js/extra-typings'
import { type Shell, shapeOf, shells } from '../completion.js'
import type { Act, Program } from '../program.js'

export const registerCompletion = (program: Program, _act: Act) =>
  program
    .command('completion')
    .summary('print the shell completion script')
    .description(
      'print the completion script for your shell: source <(countersign completion bash), the same for zsh; countersign completion fish | source',
    )
    .addArgument(new Argument('<shell>').choices(Object.keys(shells) as Array<Shell>))
    .action((shell) => void process.stdout.write(shells[shell](shapeOf(program))))
