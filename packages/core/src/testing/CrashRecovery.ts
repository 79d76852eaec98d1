import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterEach, describe, expect, it } from 'vitest'
import { treasurerAnswer } from './treasurer.js'

/** How to start a store package's agent process over one test database. */
export interface AgentProcesses {
  /**
   * The package's child entry: a TypeScript module that opens its store from the arguments it is
   * given first (`storeArgs`) and passes the rest to `runAgentProcess` from
   * `@countersign/core/testing/agent-process`. It runs in node through tsx, resolved from the
   * entry's directory, with workspace packages read from source.
   */
  readonly entry: string
  /** Where the database is, as the entry expects it. */
  readonly storeArgs: ReadonlyArray<string>
  /** Called after the test, once every process is gone. */
  readonly drop?: () => Promise<void>
}

/** A process's end: how it exited, and everything it printed. */
interface Ended {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly lines: ReadonlyArray<string>
  readonly stderr: string
}

/**
 * A run survives the process that paused it: a real process pauses a run and is killed with
 * SIGKILL, and a new process reads the run's pending requirements, resolves them and continues
 * it to the end, the gated tool running exactly once. A process killed inside the gated tool,
 * after it claimed the run, leaves the call known as started: nothing runs it again until a
 * process recovers the run, which runs it again with the same idempotency key, at once or once a
 * person says so. Every store package runs it.
 */
export const describeCrashRecovery = (name: string, makeProcesses: () => Promise<AgentProcesses>): void => {
  const cleanups: Array<() => Promise<void> | void> = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  const processes = async () => {
    const made = await makeProcesses()
    if (made.drop !== undefined) cleanups.push(made.drop)
    return made
  }

  /** A file the processes append the gated tool's idempotency keys to, one a line. */
  const ledger = () => {
    const directory = mkdtempSync(join(tmpdir(), 'countersign-ledger-'))
    cleanups.push(() => rmSync(directory, { recursive: true, force: true }))
    const path = join(directory, 'executions.log')
    writeFileSync(path, '')
    return {
      path,
      keys: () =>
        readFileSync(path, 'utf8')
          .split('\n')
          .filter((line) => line !== ''),
    }
  }

  const start = (setup: AgentProcesses, command: ReadonlyArray<string>) => {
    const child = spawn(
      process.execPath,
      ['--conditions=@countersign/source', '--import', 'tsx', setup.entry, ...setup.storeArgs, ...command],
      { cwd: dirname(setup.entry), stdio: ['ignore', 'pipe', 'pipe'] },
    )
    cleanups.push(() => void child.kill('SIGKILL'))
    const lines: Array<string> = []
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const output = createInterface({ input: child.stdout })
    output.on('line', (line) => lines.push(line))
    // 'close' comes after the output streams end: every line has been read by then.
    const ended = new Promise<Ended>((resolve) =>
      child.once('close', (code, signal) => resolve({ code, signal, lines, stderr })),
    )

    /** The process's first line, once printed; fails, with what it wrote, if it ends without one. */
    const firstLine = () =>
      new Promise<string>((resolve, reject) => {
        if (lines[0] !== undefined) return resolve(lines[0])
        output.once('line', resolve)
        void ended.then(({ code, signal }) =>
          reject(new Error(`${command[0]} ended (${signal ?? code}) without a line; stderr:\n${stderr}`)),
        )
      })
    return { firstLine, ended, kill: () => child.kill('SIGKILL') }
  }

  describe(`${name}: a run outlives the process that paused it`, () => {
    it('paused by a process that is then killed with SIGKILL, it is continued to the end by a new process, the tool running once', async () => {
      const setup = await processes()
      const executions = ledger()

      const pauser = start(setup, ['pause', executions.path])
      const [status, runId = '', ...requirementIds] = (await pauser.firstLine()).split(' ')
      expect(status).toBe('paused')
      expect(requirementIds).toHaveLength(1)
      pauser.kill()
      expect(await pauser.ended).toMatchObject({ code: null, signal: 'SIGKILL' })
      expect(executions.keys()).toStrictEqual([]) // nothing ran before the decision

      const resumer = start(setup, ['resume', executions.path, runId])
      const { code, lines, stderr } = await resumer.ended

      expect(code, stderr).toBe(0)
      // The new process found the very requirement the killed one paused on, still open.
      expect(lines).toStrictEqual([`pending ${requirementIds[0]} transfer`, `completed ${treasurerAnswer}`])
      expect(executions.keys()).toStrictEqual([expect.stringContaining(runId)])
    })

    /** A run whose process was killed inside the gated tool, after the run was claimed: its key, and the run. */
    const killedInTool = async (setup: AgentProcesses, executions: ReturnType<typeof ledger>) => {
      const pauser = start(setup, ['pause', executions.path])
      const [, runId = ''] = (await pauser.firstLine()).split(' ')
      pauser.kill()
      await pauser.ended
      const runner = start(setup, ['enter', executions.path, runId])
      // Printed by the tool itself, after its execution is on record: the claim was stored before it ran.
      expect(await runner.firstLine()).toBe('in-tool')
      runner.kill()
      expect(await runner.ended).toMatchObject({ code: null, signal: 'SIGKILL' })
      const [key] = executions.keys()
      expect(executions.keys()).toStrictEqual([expect.stringContaining(runId)])
      return { runId, key }
    }

    it.each([
      { option: 'retry', asked: [] },
      { option: 'ask', asked: ['interrupted_call'] },
    ])(
      'killed inside the tool after the resume claim, the run reads running with the call started, is not run again until recovered, and recovery with "$option" runs it again with the same key',
      async ({ option, asked }) => {
        const setup = await processes()
        const executions = ledger()
        const { runId, key } = await killedInTool(setup, executions)

        const recoverer = start(setup, ['recover', executions.path, runId, option])
        const { code, lines, stderr } = await recoverer.ended

        expect(code, stderr).toBe(0)
        const isQuestion = (line: string) => line.startsWith('asked ')
        expect(lines.filter((line) => !isQuestion(line))).toStrictEqual([
          'run running',
          'call transfer started',
          'continue RunNotContinuable',
          `completed ${treasurerAnswer}`,
        ])
        // Asked after the attempt to continue, before the end: the kind of each question.
        expect(lines.slice(3, -1).map((line) => line.split(' ')[2])).toStrictEqual(asked)
        expect(executions.keys()).toStrictEqual([key, key])
      },
    )
  })
}
