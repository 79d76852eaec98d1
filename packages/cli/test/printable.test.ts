import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { cli, json, severalRuns, useClients, useServer } from './cli.js'

/*
 * A tool call's argument holding terminal controls: printed raw, a carriage return and an ESC
 * sequence would redraw the line an approver reads (the memo covering the real amount), a bidi
 * override would reorder it. Every human-readable line shows them escaped; `--json` is the
 * server's answer, unchanged.
 */

const server = useServer(fileURLToPath(new URL('./hostileServer.ts', import.meta.url)))
const clientOf = useClients(server)

const memo = 'rent\r\x1b[2K\x1b[1Aamount: 5 \u202eevil\u009b0m\x07\b'
const shown = String.raw`rent\r\x1b[2K\x1b[1Aamount: 5 \u202eevil\x9b0m\x07\x08`

/** Any character that drives a terminal or reorders text, a line break aside. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const controls = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/

describe('the CLI prints what would drive a terminal escaped', severalRuns, () => {
  it('in a paused run, the pending table, an approval decided, the run completed and its events', async () => {
    const paused = await cli(['run', 'payments', memo], { server: server(), as: 'alice' })
    expect(paused.code).toBe(3)
    expect(paused.stdout).toContain(`pay  amount: 5000, memo: ${shown}\n`)
    expect(paused.stdout).not.toMatch(controls)
    const runId = /^Run (\S+) /.exec(paused.stdout)![1]!
    const approvalId = (await clientOf('alice').runs.get(runId)).activeRequirementIds[0]!

    const pending = await cli(['pending'], { server: server(), as: 'ann' })
    expect(pending.stdout).toContain(String.raw`amount: 5000, memo: rent\r\x1b[2K\x1b[1Aamount`)
    expect(pending.stdout).not.toMatch(controls)

    const approved = await cli(['approve', approvalId], { server: server(), as: 'ann' })
    expect(approved.code).toBe(0)
    expect(approved.lines[0]).toBe(
      `Approval ${approvalId} approved: pay(amount: 5000, memo: ${shown}) in run ${runId} (payments)`,
    )
    expect(approved.stdout).not.toMatch(controls)

    const watched = await cli(['watch', runId], { server: server(), as: 'alice' })
    expect(watched.code).toBe(0)
    expect(watched.lines.find((line) => line.includes('RunStarted'))?.endsWith(`payments: ${shown}`)).toBe(
      true,
    )
    expect(watched.lines.find((line) => line.includes('ToolCallStarted'))).toContain(
      `pay(amount: 5000, memo: ${shown})`,
    )
    expect(watched.stdout).not.toMatch(controls)

    const status = await cli(['status', runId], { server: server(), as: 'alice' })
    expect(status.lines).toStrictEqual([`Run ${runId} (payments) completed`, `Done: paid 5000 for ${shown}`])
  })

  it('--json prints the server answer unchanged, the argument as it was given', async () => {
    const paused = await clientOf('alice').runs.start('payments', memo)
    const printed = await cli(['status', paused.runId, '--json'], { server: server(), as: 'alice' })
    expect(printed.code).toBe(3)
    const run = await clientOf('alice').runs.get(paused.runId)
    expect(printed.stdout).toBe(`${JSON.stringify(run)}\n`)
    expect(json<typeof run>(printed).requirements[0]!.toolCall.args).toStrictEqual({ amount: 5000, memo })
  })
})
