import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { tokenOf } from '@countersign/server/testing'
import { beforeEach, describe, expect, it } from 'vitest'
import { cli, severalRuns, useServer } from './cli.js'

const server = useServer()

/** A fresh profiles file for each test, where the command keeps them. */
let config: string
beforeEach(async () => {
  config = join(await mkdtemp(join(tmpdir(), 'countersign-profiles-')), 'profiles.json')
})
const env = () => ({ COUNTERSIGN_CONFIG: config })
const saved = async () => JSON.parse(await readFile(config, 'utf8')) as unknown

describe('countersign login and profiles', severalRuns, () => {
  it('login checks the token, saves server and token readable by the user alone; later commands use them', async () => {
    const login = await cli(['login', '-u', server().url, '-t', tokenOf('alice')], { env: env() })
    expect(login.code).toBe(0)
    expect(login.stdout).toContain('as alice')
    expect(await saved()).toStrictEqual({
      current: 'default',
      profiles: { default: { url: server().url, token: tokenOf('alice') } },
    })
    expect((await stat(config)).mode & 0o777).toBe(0o600)
    // No --url, no --token: the profile's.
    const runs = await cli(['runs'], { env: env() })
    expect(runs.code).toBe(0)
    expect(runs.stderr).toBe('')
  })

  it('a token the server refuses is not saved (exit 7); --with-token reads it from stdin', async () => {
    const refused = await cli(['login', '--url', server().url, '--token', 'nope'], { env: env() })
    expect(refused.code).toBe(7)
    expect(refused.stderr).toContain('The token was not accepted')
    expect(refused.stderr).not.toContain('send a bearer token')
    await expect(readFile(config)).rejects.toMatchObject({ code: 'ENOENT' })

    const piped = await cli(['login', '--url', server().url, '--with-token', '--profile', 'bob'], {
      env: env(),
      stdin: `${tokenOf('bob')}\n`,
    })
    expect(piped.code).toBe(0)
    expect(await saved()).toMatchObject({ current: 'bob', profiles: { bob: { token: tokenOf('bob') } } })
  })

  it("a profile's token goes only to its own server: another --url gets no token from it", async () => {
    await cli(['login', '--url', server().url, '--token', tokenOf('alice')], { env: env() })
    const elsewhere = await cli(['runs', '--url', 'http://127.0.0.1:9'], { env: env() })
    expect(elsewhere.code).toBe(2)
    expect(elsewhere.stderr).toContain('no token given')
    // The same server, written the same way: its token.
    expect((await cli(['runs', '--url', server().url], { env: env() })).code).toBe(0)
  })

  it('--profile picks one; an unknown one is a usage error; logout forgets; profiles never shows tokens', async () => {
    await cli(['login', '-u', server().url, '-t', tokenOf('alice'), '-p', 'work'], { env: env() })
    await cli(['login', '-u', server().url, '-t', tokenOf('bob'), '-p', 'other'], { env: env() })
    const listed = await cli(['profiles'], { env: env() })
    expect(listed.code).toBe(0)
    expect(listed.stdout).toMatch(/\*\s+other/)
    expect(listed.stdout).toContain('work')
    expect(listed.stdout).not.toContain(tokenOf('alice'))
    expect(listed.stdout).not.toContain(tokenOf('bob'))

    const unknown = await cli(['runs', '--profile', 'nope'], { env: env() })
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('no profile "nope"')

    expect((await cli(['logout', '-p', 'work'], { env: env() })).code).toBe(0)
    expect(await saved()).toStrictEqual({
      current: 'other',
      profiles: { other: { url: server().url, token: tokenOf('bob') } },
    })
    expect((await cli(['runs', '-p', 'work'], { env: env() })).code).toBe(2)
  })

  it('a profiles file edited into another shape is refused, not half-read', async () => {
    await writeFile(config, JSON.stringify({ current: 'x', profiles: { x: { url: 1 } } }))
    const ended = await cli(['runs'], { env: env() })
    expect(ended.code).toBe(2)
    expect(ended.stderr).toContain('the saved profiles are unreadable')
    expect(ended.stderr).not.toContain(config)
  })
})
