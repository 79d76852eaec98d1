import { execFile } from 'node:child_process'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { cli, severalRuns } from './cli.js'

/** What bash offers for the words typed, the last being completed, with the script the command printed. */
const offered = async (script: string, words: ReadonlyArray<string>) => {
  const file = join(await mkdtemp(join(tmpdir(), 'countersign-completion-')), 'countersign.bash')
  await writeFile(file, script)
  const program = [
    `source ${file}`,
    `COMP_WORDS=(${words.map((word) => `'${word}'`).join(' ')})`,
    `COMP_CWORD=${words.length - 1}`,
    '_countersign',
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('; ')
  const { stdout } = await promisify(execFile)('bash', ['-c', program])
  return stdout.split('\n').filter((line) => line !== '')
}

describe('countersign completion', severalRuns, () => {
  it('bash: completes commands, then the options of the command typed, past global options and their values', async () => {
    const printed = await cli(['completion', 'bash'])
    expect(printed.code).toBe(0)
    expect(await offered(printed.stdout, ['countersign', 'ap'])).toStrictEqual(['approve'])
    expect(await offered(printed.stdout, ['countersign', 'pe'])).toStrictEqual(['pending'])
    expect(await offered(printed.stdout, ['countersign', '-u', 'http://x', 'reject', '--n'])).toStrictEqual([
      '--note',
    ])
    expect(await offered(printed.stdout, ['countersign', 'pending', '--new'])).toStrictEqual([
      '--newest-first',
    ])
  })

  it('zsh and fish scripts name every command; another shell is a usage error', async () => {
    const zsh = await cli(['completion', 'zsh'])
    expect(zsh.stdout).toContain('bashcompinit')
    const fish = await cli(['completion', 'fish'])
    for (const command of ['approve', 'reject', 'pending', 'watch', 'login'])
      expect(fish.stdout).toContain(`__fish_use_subcommand -a ${command} `)
    expect(fish.stdout).toContain("__fish_seen_subcommand_from reject' -s n -l note -r")
    expect((await cli(['completion', 'powershell'])).code).toBe(2)
  })
})
