import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterEach } from 'vitest'

/** How to start a store package's child processes over one test database. */
export interface AgentProcesses {
  /**
   * The package's child entry: a TypeScript module that opens its store from the arguments it is
   * given first (`storeArgs`) and passes the rest to the suite's child side (`runAgentProcess`
   * from `@countersign/core/testing/agent-process`, `runColdResumeProcess` from
   * `@countersign/core/testing/cold-resume-process`). It runs in node through tsx, resolved from
   * the entry's directory, with workspace packages read from source.
   */
  readonly entry: string
  /** Where the database is, as the entry expects it. */
  readonly storeArgs: ReadonlyArray<string>
  /** Called after the test, once every process is gone. */
  readonly drop?: () => Promise<void>
}

/** A process's end: how it exited, and everything it printed. */
export interface Ended {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly lines: ReadonlyArray<string>
  readonly stderr: string
}

/** A child process of the test, read line by line. */
export interface Child {
  /** The process's line at `index` (from 0), once printed; fails, with its stderr, if it ends without it. */
  readonly line: (index: number) => Promise<string>
  readonly ended: Promise<Ended>
  readonly kill: () => void
}

/**
 * What the real-process suites share: child processes of a store package's entry, a ledger file
 * they append to, and everything (processes, files, databases) released after each test,
 * whatever its outcome. Call once inside the suite's describing function.
 */
export const processKit = () => {
  const cleanups: Array<() => Promise<void> | void> = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  /** The processes' setup for one test; its database is dropped after the test. */
  const setUp = async <Processes extends AgentProcesses>(make: () => Promise<Processes>) => {
    const made = await make()
    if (made.drop !== undefined) cleanups.push(made.drop)
    return made
  }

  /** A file the processes append to, one key a line, and its keys so far. */
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

  const start = (setup: AgentProcesses, command: ReadonlyArray<string>): Child => {
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

    const line = (index: number) =>
      new Promise<string>((resolve, reject) => {
        const printed = () => {
          const found = lines[index]
          if (found !== undefined) resolve(found)
          return found !== undefined
        }
        if (printed()) return
        // Listening after the listener that collects lines: each call sees the line just read.
        const onLine = () => void (printed() && output.off('line', onLine))
        output.on('line', onLine)
        void ended.then(({ code, signal }) => {
          output.off('line', onLine)
          reject(
            new Error(
              `${command[0]} ended (${signal ?? code}) without line ${index + 1}; stderr:\n${stderr}`,
            ),
          )
        })
      })
    return { line, ended, kill: () => void child.kill('SIGKILL') }
  }

  return { setUp, ledger, start }
}
