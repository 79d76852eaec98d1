import { describe, expect, it } from 'vitest'
import { processKit, type AgentProcesses } from './processKit.js'
import { treasurerAnswer } from './treasurer.js'

/**
 * A run survives the process that paused it: a real process pauses a run and is killed with
 * SIGKILL, and a new process reads the run's pending requirements, resolves them and continues
 * it to the end, the gated tool running exactly once. A process killed inside the gated tool,
 * after it claimed the run, leaves the call known as started: nothing runs it again until a
 * process recovers the run, which runs it again with the same idempotency key, at once or once a
 * person says so. Every store package runs it.
 */
export const describeCrashRecovery = (name: string, makeProcesses: () => Promise<AgentProcesses>): void => {
  const { setUp, ledger, start } = processKit()
  const processes = () => setUp(makeProcesses)

  describe(`${name}: a run outlives the process that paused it`, () => {
    it('paused by a process that is then killed with SIGKILL, it is continued to the end by a new process, the tool running once', async () => {
      const setup = await processes()
      const executions = ledger()

      const pauser = start(setup, ['pause', executions.path])
      const [status, runId = '', ...requirementIds] = (await pauser.line(0)).split(' ')
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
      const [, runId = ''] = (await pauser.line(0)).split(' ')
      pauser.kill()
      await pauser.ended
      const runner = start(setup, ['enter', executions.path, runId])
      // Printed by the tool itself, after its execution is on record: the claim was stored before it ran.
      expect(await runner.line(0)).toBe('in-tool')
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
