import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { UsageError } from './UsageError.js'

/** A server and the token to use with it, saved by `countersign login`. */
export interface Profile {
  readonly url: string
  readonly token: string
}

/** Every profile saved, and which one commands use when `--profile` names none. */
export interface Profiles {
  readonly current?: string
  readonly profiles: Readonly<Record<string, Profile>>
}

export const defaultProfileName = 'default'

/**
 * Where profiles are kept: `COUNTERSIGN_CONFIG`, else `countersign/profiles.json` in the XDG
 * config directory (`~/.config` by default), as gh and kubectl keep theirs.
 */
export const profilesPath = (env: NodeJS.ProcessEnv = process.env) =>
  env.COUNTERSIGN_CONFIG ??
  join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'countersign', 'profiles.json')

const isProfile = (value: unknown): value is Profile =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Profile).url === 'string' &&
  typeof (value as Profile).token === 'string'

/** What a saved file holds, checked: a file edited by hand into another shape is refused, not half-read. */
const parseProfiles = (text: string): Profiles => {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    value = undefined
  }
  const { current, profiles } = (value ?? {}) as { current?: unknown; profiles?: unknown }
  if (
    typeof profiles !== 'object' ||
    profiles === null ||
    Array.isArray(profiles) ||
    !Object.values(profiles).every(isProfile) ||
    (current !== undefined && typeof current !== 'string')
  )
    throw new UsageError(
      'the saved profiles are unreadable (COUNTERSIGN_CONFIG, or profiles.json in your config directory): fix or delete the file, then countersign login',
    )
  return {
    ...(current === undefined ? {} : { current }),
    profiles: Object.fromEntries(
      Object.entries(profiles as Record<string, Profile>).map(([name, { url, token }]) => [
        name,
        { url, token },
      ]),
    ),
  }
}

/** The saved profiles; none when nothing was saved yet. */
export const readProfiles = async (path = profilesPath()): Promise<Profiles> => {
  try {
    return parseProfiles(await readFile(path, 'utf8'))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { profiles: {} }
    throw error
  }
}

/**
 * Saves the profiles, readable by the user alone (they hold tokens), replacing the file whole so
 * that a command reading it meanwhile never sees half of it.
 */
export const writeProfiles = async (profiles: Profiles, path = profilesPath()) => {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
  const partial = `${path}.${process.pid}.tmp`
  await writeFile(partial, `${JSON.stringify(profiles, null, 2)}\n`, { mode: 0o600 })
  await rename(partial, path)
}

/** The profile a command uses: the one named, else the current one; undefined when none is saved. */
export const selectProfile = (saved: Profiles, name: string | undefined): Profile | undefined => {
  const chosen = name ?? saved.current
  if (chosen === undefined) return undefined
  const profile = saved.profiles[chosen]
  if (profile === undefined && name !== undefined)
    throw new UsageError(`no profile "${name}": countersign login --profile ${name} saves one`)
  return profile
}
