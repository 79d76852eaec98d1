import { text } from 'node:stream/consumers'
import { ExitCode } from '../../ExitCode.js'
import { defaultProfileName, readProfiles, writeProfiles } from '../profiles.js'
import type { Act, Program } from '../program.js'
import { table } from '../table.js'
import { processOutput } from '../Output.js'
import { printable } from '../printable.js'
import { UsageError } from '../UsageError.js'

/** Saved servers and tokens, as gh's `auth login` and kubectl's contexts keep them. */
export const registerLogin = (program: Program, act: Act) => {
  program
    .command('login')
    .summary('check a server and token, and save them as a profile')
    .description(
      'check that the server accepts the token, then save both as a profile (--profile, default "default") that later commands use when given no --url and --token; the file is readable by you alone',
    )
    .option(
      '--with-token',
      'read the token from stdin rather than --token (it stays out of your shell history)',
    )
    .action(async (options, command) => {
      const { url, token: given, profile, json } = command.optsWithGlobals()
      const token = options.withToken === true ? (await text(process.stdin)).trim() : given
      if (url === undefined || url === '')
        throw new UsageError('login needs the server: pass --url or set COUNTERSIGN_URL')
      if (token === undefined || token === '')
        throw new UsageError('login needs a token: pass --token, set COUNTERSIGN_TOKEN or use --with-token')
      const name = profile ?? defaultProfileName
      // Both given: the check uses them, never a saved profile's.
      await act({ url, token, ...(json === true ? { json } : {}) }, async ({ client, output }) => {
        const me = await client.session.me()
        const saved = await readProfiles()
        await writeProfiles({ current: name, profiles: { ...saved.profiles, [name]: { url, token } } })
        if (output.json) output.value({ profile: name, url, principal: me })
        else
          output.lines([
            printable(
              `Logged in to ${url} as ${me.id} (${me.roles.join(', ') || 'no roles'}); saved as profile "${name}".`,
            ),
          ])
        return ExitCode.ok
      })
    })
  program
    .command('logout')
    .summary('forget a saved profile')
    .description('forget a saved profile (--profile, else the current one) and its token')
    .action((_options, command) => {
      const { profile, json } = command.optsWithGlobals()
      return forget(profile, json === true)
    })
  program
    .command('profiles')
    .summary('list the saved profiles')
    .description('list the saved profiles, the current one marked (tokens are not shown)')
    .action(async (_options, command) => {
      const output = processOutput(command.optsWithGlobals().json === true)
      const saved = await readProfiles()
      const rows = Object.entries(saved.profiles).map(([name, { url }]) => ({
        name,
        url,
        current: name === saved.current,
      }))
      if (output.json) output.value(rows)
      else if (rows.length === 0) output.lines(['No profile saved: countersign login saves one.'])
      else
        output.lines(
          table(
            output,
            [{ header: '' }, { header: 'PROFILE', style: 'bold' }, { header: 'URL' }],
            rows.map(({ name, url, current }) => [current ? '*' : '', name, url]),
          ),
        )
    })
}

const forget = async (named: string | undefined, json: boolean) => {
  const output = processOutput(json)
  const saved = await readProfiles()
  const name = named ?? saved.current
  if (name === undefined || saved.profiles[name] === undefined)
    throw new UsageError(name === undefined ? 'no profile is current' : `no profile "${name}"`)
  const { [name]: _forgotten, ...kept } = saved.profiles
  await writeProfiles({ ...(saved.current === name ? {} : { current: saved.current! }), profiles: kept })
  if (json) output.value({ profile: name, forgotten: true })
  else output.lines([printable(`Forgot profile "${name}".`)])
}
