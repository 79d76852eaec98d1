import { describe, expect, it } from 'vitest'
import { cli, json, severalRuns, useClients, useServer } from './cli.js'

/*
 * The command as a real child process against the fixture server in another: what it prints,
 * what it exits with, and what the server holds afterwards.
 */

const server = useServer()
const clientOf = useClients(server)

const runIdOf = (stdout: string) => /^Run (\S+) /.exec(stdout)?.[1]

describe('countersign run, approve and reject', severalRuns, () => {
  it('definitions lists what the server serves, as a table and as JSON', async () => {
    const table = await cli(['definitions'], { server: server(), as: 'alice' })
    expect(table.code).toBe(0)
    expect(table.lines[0]).toMatch(/^ID\s+KIND\s+NAME$/)
    expect(table.lines).toContainEqual(expect.stringMatching(/^assistant\s+agent\s+Assistant$/))
    expect(table.lines).toContainEqual(expect.stringMatching(/^support\s+team\s+Support team$/))
    const listed = json<Array<{ id: string }>>(
      await cli(['definitions', '--json'], { server: server(), as: 'alice' }),
    )
    expect(listed.map(({ id }) => id)).toEqual(expect.arrayContaining(['assistant', 'finance', 'support']))
    expect(listed).toHaveLength(table.lines.length - 1)
  })

  it('run pauses (exit 3) showing the requirement; approve confirms it, the run completes (exit 0) with its answer', async () => {
    const paused = await cli(['run', 'assistant', 'Move', '100'], { server: server(), as: 'alice' })
    expect(paused.code).toBe(3)
    const runId = runIdOf(paused.stdout)!
    const stored = await clientOf('alice').runs.get(runId)
    const requirementId = stored.activeRequirementIds[0]!
    expect(paused.lines[0]).toBe(`Run ${runId} (assistant) paused, waiting for 1 decision:`)
    expect(paused.lines[1]).toMatch(
      new RegExp(`^\\s+confirmation\\s+${requirementId}\\s+transfer\\s+amount: 100$`),
    )
    expect(paused.stdout).toContain(`countersign approve ${runId} ${requirementId}`)

    const approved = await cli(['approve', runId, requirementId, '--note', 'within budget'], {
      server: server(),
      as: 'alice',
    })
    expect(approved.code).toBe(0)
    expect(approved.lines).toStrictEqual([`Run ${runId} (assistant) completed`, 'Done: moved 100'])
    const after = await clientOf('alice').runs.get(runId)
    expect(after.requirements[0]).toMatchObject({
      resolution: { approved: true, note: 'within budget' },
      resolvedBy: { id: 'alice' },
    })
  })

  it('approve with the single id that pending shows finds the run; approving again is a conflict (exit 6)', async () => {
    const paused = await clientOf('alice').runs.start('assistant', 'Move 100')
    const requirementId = paused.activeRequirementIds[0]!
    const approved = await cli(['approve', requirementId], { server: server(), as: 'alice' })
    expect(approved.code).toBe(0)
    expect(approved.lines[0]).toBe(`Run ${paused.runId} (assistant) completed`)

    const again = await cli(['approve', paused.runId, requirementId], { server: server(), as: 'alice' })
    expect(again.code).toBe(6)
    expect(again.stdout).toBe('')
    expect(again.stderr).toContain('RunNotContinuable')
  })

  it('reject sends the note, which the model is told; the run goes on to its end', async () => {
    const paused = await clientOf('alice').runs.start('assistant', 'Move 100')
    const requirementId = paused.activeRequirementIds[0]!
    const rejected = await cli(['reject', paused.runId, requirementId, '--note', 'over the limit'], {
      server: server(),
      as: 'alice',
    })
    expect(rejected.code).toBe(0)
    expect(rejected.lines[0]).toBe(`Run ${paused.runId} (assistant) completed`)
    expect(rejected.stdout).toContain('over the limit')
    expect((await clientOf('alice').runs.get(paused.runId)).requirements[0]).toMatchObject({
      resolution: { approved: false, note: 'over the limit' },
    })
  })

  it('run --json prints the run as the server answers it', async () => {
    const ended = await cli(['run', 'assistant', 'Move 100', '--session', 's-cli', '--json'], {
      server: server(),
      as: 'alice',
    })
    expect(ended.code).toBe(3)
    const run = json<{ runId: string; status: string; sessionId: string }>(ended)
    expect(run).toMatchObject({ status: 'paused', sessionId: 's-cli' })
    expect((await clientOf('alice').runs.get(run.runId)).status).toBe('paused')
  })
})

describe('countersign pending, runs and the approval queue', severalRuns, () => {
  it("pending lists the requirements of the user's paused runs, with tool, args, requester and age", async () => {
    const paused = await clientOf('bob').runs.start('assistant', 'Move 100')
    const requirementId = paused.activeRequirementIds[0]!
    const pending = await cli(['pending'], { server: server(), as: 'bob' })
    expect(pending.code).toBe(0)
    expect(pending.lines[0]).toMatch(/^ID\s+RUN\s+DEFINITION\s+KIND\s+TOOL\s+ARGS\s+REQUESTER\s+AGE$/)
    expect(pending.lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^${requirementId}\\s+${paused.runId}\\s+assistant\\s+confirmation\\s+transfer\\s+amount: 100\\s+you\\s+\\d+s$`,
        ),
      ),
    )
    const listed = json<Array<{ requirementId: string }>>(
      await cli(['pending', '--json'], { server: server(), as: 'bob' }),
    )
    expect(listed.map((item) => item.requirementId)).toContain(requirementId)
  })

  it('an approver sees the approval with its requester, approves it (exit 0), and the run goes on by itself', async () => {
    const paused = await clientOf('alice').runs.start('finance', 'Refund A-1')
    const approvalId = paused.activeRequirementIds[0]!
    const pending = await cli(['pending'], { server: server(), as: 'ann' })
    expect(pending.lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^${approvalId}\\s+${paused.runId}\\s+finance\\s+approval\\s+process_refund\\s+amount: 500\\s+alice\\s+\\d+s$`,
        ),
      ),
    )
    // Not the requester's to decide: alice is no approver.
    const forbidden = await cli(['approve', approvalId], { server: server(), as: 'alice' })
    expect(forbidden.code).toBe(7)
    expect(forbidden.stderr).toContain('RoleRequired')

    const approved = await cli(['approve', approvalId, '--note', 'fine'], { server: server(), as: 'ann' })
    expect(approved.code).toBe(0)
    expect(approved.lines).toStrictEqual([
      `Approval ${approvalId} approved: process_refund(amount: 500) in run ${paused.runId} (finance)`,
      `Its run goes on once nothing else in it waits for a decision: countersign watch ${paused.runId}`,
    ])
    const twice = await cli(['reject', approvalId, '--note', 'changed my mind'], {
      server: server(),
      as: 'ann',
    })
    expect(twice.code).toBe(6)
    expect(twice.stderr).toContain('ApprovalAlreadyResolved')

    // The server continued the run once the approval was decided: its owner watches it end.
    const watched = await cli(['watch', paused.runId], { server: server(), as: 'alice' })
    expect(watched.code).toBe(0)
    expect(watched.lines.at(-1)).toContain('RunCompleted')
    const status = await cli(['status', paused.runId], { server: server(), as: 'alice' })
    expect(status.lines).toContain('Done: refunded 500')
  })

  it('runs lists the runs of a status; status exits by where a run stands', async () => {
    const paused = await clientOf('bob').runs.start('assistant', 'Move 100')
    const listed = await cli(['runs', '--status', 'paused', '--limit', '50'], { server: server(), as: 'bob' })
    expect(listed.code).toBe(0)
    expect(listed.lines[0]).toMatch(/^RUN\s+DEFINITION\s+STATUS\s+WAITING\s+UPDATED\s+ANSWER$/)
    expect(listed.lines).toContainEqual(
      expect.stringMatching(new RegExp(`^${paused.runId}\\s+assistant\\s+paused\\s+1\\s+\\d+s$`)),
    )
    expect(listed.lines.slice(1, -1).every((line) => /\spaused\s/.test(line))).toBe(true)
    const page = json<{ runs: Array<{ status: string }>; total: number }>(
      await cli(['runs', '--status', 'paused', '--json'], { server: server(), as: 'bob' }),
    )
    expect(page.runs.length).toBeGreaterThan(0)
    expect(page.runs.every(({ status }) => status === 'paused')).toBe(true)

    expect((await cli(['status', paused.runId], { server: server(), as: 'bob' })).code).toBe(3)
    const cancelled = await cli(['cancel', paused.runId], { server: server(), as: 'bob' })
    expect(cancelled.code).toBe(0)
    expect(cancelled.lines[0]).toBe(`Run ${paused.runId} (assistant) cancelled`)
    expect((await cli(['status', paused.runId], { server: server(), as: 'bob' })).code).toBe(4)
  })
})
