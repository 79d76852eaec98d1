import { describe, expect, it } from 'vitest'
import { cli, severalRuns, useClients, useServer } from './cli.js'

const server = useServer()
const clientOf = useClients(server)

describe('exit codes and messages', severalRuns, () => {
  it('a token the server does not know: exit 7, and it says so', async () => {
    const ended = await cli(['--token', 'not-a-token', 'runs'], { server: server(), as: 'alice' })
    expect(ended.code).toBe(7)
    expect(ended.stdout).toBe('')
    expect(ended.stderr).toContain('(Unauthenticated)')
    expect(ended.stderr).toContain('The server did not accept the token')
  })

  it("an unknown run or definition: exit 5, someone else's run too", async () => {
    const unknown = await cli(['status', 'no-such-run'], { server: server(), as: 'alice' })
    expect(unknown.code).toBe(5)
    expect(unknown.stderr).toContain('No run with id "no-such-run". (RunNotFound)')
    const bobs = await clientOf('bob').runs.start('assistant', 'Move 100')
    const notHers = await cli(['approve', bobs.runId, bobs.activeRequirementIds[0]!], {
      server: server(),
      as: 'alice',
    })
    expect(notHers.code).toBe(5)
    expect((await clientOf('bob').runs.get(bobs.runId)).status).toBe('paused')
    const nobody = await cli(['run', 'nobody', 'hello'], { server: server(), as: 'alice' })
    expect(nobody.code).toBe(5)
    expect(nobody.stderr).toContain(
      'No agent, team or workflow "nobody" is served here. (DefinitionNotFound)',
    )
  })

  it('--json reports the failure as JSON on stderr', async () => {
    const ended = await cli(['status', 'no-such-run', '--json'], { server: server(), as: 'alice' })
    expect(ended.code).toBe(5)
    expect(JSON.parse(ended.stderr)).toMatchObject({
      error: { _tag: 'RunNotFound', runId: 'no-such-run' },
      exitCode: 5,
    })
  })

  it('no server there: exit 1, and a hint', async () => {
    const ended = await cli(['--url', 'http://127.0.0.1:1', 'runs'], { as: 'alice' })
    expect(ended.code).toBe(1)
    expect(ended.stderr).toContain('Check the server URL')
  })

  it('bad usage exits 2 and changes nothing', async () => {
    const before = await clientOf('alice').runs.list()
    const usage = async (args: ReadonlyArray<string>, message: string, connected = true) => {
      const ended = await cli(args, connected ? { server: server(), as: 'alice' } : {})
      expect(ended.code, args.join(' ')).toBe(2)
      expect(ended.stderr).toContain(message)
    }
    await usage(['frobnicate'], "unknown command 'frobnicate'")
    await usage(['run', 'assistant'], "missing required argument 'input'")
    await usage(['reject', 'some-id'], "required option '-n, --note <text>' not specified")
    await usage(
      ['runs', '--status', 'sleeping'],
      "option '-s, --status <status>' argument 'sleeping' is invalid",
    )
    await usage(['runs', '--limit', 'ten'], 'Not a whole number.')
    await usage(['input', 'run-id', 'requirement-id', 'guests'], '"guests" is not name=value')
    await usage(['runs'], 'no server given: pass --url, set COUNTERSIGN_URL or countersign login', false)
    expect((await clientOf('alice').runs.list()).total).toBe(before.total)
  })

  it('--help lists the commands and the exit codes', async () => {
    const help = await cli(['--help'])
    expect(help.code).toBe(0)
    for (const command of [
      'definitions',
      'run',
      'runs',
      'pending',
      'approve',
      'reject',
      'input',
      'result',
      'resolve',
      'watch',
      'status',
      'continue',
      'cancel',
    ])
      expect(help.stdout).toMatch(new RegExp(`^  ${command} `, 'm'))
    expect(help.stdout).toContain('Exit codes:')
    expect(help.stdout).toMatch(/^ {2}7 {2}unauthenticated or forbidden$/m)
  })
})
