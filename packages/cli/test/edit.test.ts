import { describe, expect, it } from 'vitest'
import { cli, severalRuns, useClients, useServer } from './cli.js'

const server = useServer()
const clientOf = useClients(server)

describe('countersign approve --set: approve with changes', severalRuns, () => {
  it('a confirmation of your run, with the amount you meant: the call runs with it', async () => {
    const paused = await clientOf('alice').runs.start('assistant', 'Move 100')
    const ended = await cli(['approve', paused.activeRequirementIds[0]!, '--set', 'amount=5'], {
      server: server(),
      as: 'alice',
    })
    expect(ended.code).toBe(0)
    const done = await clientOf('alice').runs.get(paused.runId)
    expect(done.toolExecutions).toMatchObject([{ toolName: 'transfer', args: { amount: 5 } }])
  })

  it('an approval of the queue: the record keeps both; arguments the tool does not take are refused (exit 2), changing nothing', async () => {
    const paused = await clientOf('alice').runs.start('finance', 'Refund')
    const approvalId = paused.activeRequirementIds[0]!
    const refused = await cli(['approve', approvalId, '--set', 'amount=lots'], {
      server: server(),
      as: 'ann',
    })
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('(InvalidResolution)')
    expect(await clientOf('ann').approvals.get(approvalId)).toMatchObject({ status: 'pending' })

    const approved = await cli(['approve', approvalId, '--set', 'amount=120', '-n', 'partial refund'], {
      server: server(),
      as: 'ann',
    })
    expect(approved.code).toBe(0)
    expect(await clientOf('ann').approvals.get(approvalId)).toMatchObject({
      status: 'approved',
      toolArgs: { amount: 500 },
      editedArgs: { amount: 120 },
      note: 'partial refund',
    })
  })
})
