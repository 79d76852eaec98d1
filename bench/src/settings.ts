import { parseArgs, type ParseArgsConfig } from 'node:util'

/** A benchmark setting: its flag, its environment variable and its default. */
export interface Setting {
  readonly flag: string
  readonly env: string
  readonly fallback: string
}

/** The usage lines of `settings`, one a setting: its flag, its variable and its default. */
export const settingsUsage = (settings: Record<string, Setting>): ReadonlyArray<string> => {
  const all = Object.values(settings)
  const flagWidth = Math.max(...all.map(({ flag }) => flag.length)) + 1
  const envWidth = Math.max(...all.map(({ env }) => env.length)) + 1
  return all.map(
    ({ flag, env, fallback }) =>
      `  --${flag.padEnd(flagWidth)} or ${env.padEnd(envWidth)} default ${fallback}`,
  )
}

/**
 * Each setting's text from its flag, else its environment variable, else its default; 'help' for
 * --help. Throws on a flag it does not know.
 */
export const readSettings = <Key extends string>(
  settings: Record<Key, Setting>,
  args: ReadonlyArray<string>,
  env: NodeJS.ProcessEnv,
): Record<Key, string> | 'help' => {
  const entries = Object.entries<Setting>(settings)
  const options: ParseArgsConfig['options'] = {
    help: { type: 'boolean' },
    ...Object.fromEntries(entries.map(([, { flag }]) => [flag, { type: 'string' }])),
  }
  const { values } = parseArgs({ args: [...args], options })
  if (values.help === true) return 'help'
  return Object.fromEntries(
    entries.map(([key, { flag, env: variable, fallback }]) => {
      const given = values[flag]
      return [key, typeof given === 'string' ? given : env[variable] || fallback]
    }),
  ) as Record<Key, string>
}

/** A positive integer from a setting's text; throws naming the setting otherwise. */
export const positive = (name: string, text: string) => {
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value < 1)
    throw new Error(`${name} must be a positive integer, not "${text}"`)
  return value
}

/** The stores a comma-separated list names, in the order of `known`; throws on a name not in it. */
export const storesIn = <Name extends string>(
  list: string,
  known: ReadonlyArray<Name>,
): ReadonlyArray<Name> => {
  const names = list.split(',').map((name) => name.trim())
  for (const name of names)
    if (!known.includes(name as Name))
      throw new Error(`unknown store "${name}": the stores are ${known.join(', ')}`)
  return known.filter((name) => names.includes(name))
}
