import type { Command, Option } from '@commander-js/extra-typings'

/** What a shell needs to complete the command: its subcommands and every option's spellings. */
interface Shape {
  readonly globals: ReadonlyArray<Option>
  readonly commands: ReadonlyArray<{
    readonly name: string
    readonly summary: string
    readonly options: ReadonlyArray<Option>
  }>
}

// Commander's generic parameters differ per command; the shape reads only names and options.
type AnyCommand = Command<unknown[], Record<string, unknown>, Record<string, unknown>>

export const shapeOf = (program: AnyCommand): Shape => ({
  globals: program.options,
  commands: program.commands.map((command) => ({
    name: command.name(),
    summary: command.summary() || command.description(),
    options: command.options,
  })),
})

const spellings = (options: ReadonlyArray<Option>) =>
  options.flatMap((option) => [option.short, option.long].filter((flag) => flag !== undefined))

/** Single-quoted for a shell: nothing in it is expanded. */
const quoted = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`

const bash = (shape: Shape) => {
  const takesValue = spellings(shape.globals.filter((option) => option.required || option.optional))
  const cases = shape.commands.map(
    ({ name, options }) =>
      `    ${name}) words=${quoted([...spellings(options), ...spellings(shape.globals)].join(' '))} ;;`,
  )
  const top = [...shape.commands.map(({ name }) => name), ...spellings(shape.globals)].join(' ')
  return `# countersign completion for bash: source <(countersign completion bash)
_countersign() {
  local cur=\${COMP_WORDS[COMP_CWORD]} sub= words i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case \${COMP_WORDS[i]} in
      ${takesValue.join('|')}) ((i++)) ;;
      -*) ;;
      *) sub=\${COMP_WORDS[i]}; break ;;
    esac
  done
  case $sub in
${cases.join('\n')}
    *) words=${quoted(top)} ;;
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -F _countersign countersign
`
}

/** zsh runs the bash completion through its own bashcompinit. */
const zsh = (shape: Shape) => `# countersign completion for zsh: source <(countersign completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bash(shape)}`

const fish = (shape: Shape) => {
  const option = (condition: string) => (each: Option) =>
    [
      `complete -c countersign -n ${quoted(condition)}`,
      each.short === undefined ? '' : ` -s ${each.short.slice(1)}`,
      each.long === undefined ? '' : ` -l ${each.long.slice(2)}`,
      each.required || each.optional ? ' -r' : '',
      ` -d ${quoted(each.description)}`,
    ].join('')
  return [
    '# countersign completion for fish: countersign completion fish | source',
    'complete -c countersign -f',
    ...shape.commands.map(
      ({ name, summary }) =>
        `complete -c countersign -n __fish_use_subcommand -a ${name} -d ${quoted(summary)}`,
    ),
    ...shape.globals.map(option('true')),
    ...shape.commands.flatMap(({ name, options }) =>
      options.map(option(`__fish_seen_subcommand_from ${name}`)),
    ),
    '',
  ].join('\n')
}

export const shells = { bash, zsh, fish } as const
export type Shell = keyof typeof shells
