import { describe, expect, it } from 'vitest'
import { cli, severalRuns, useClients, useServer } from './cli.js'

const server = useServer()
const clientOf = useClients(server)

/** The table row that mentions `text`, split into its columns. */
const rowWith = (lines: ReadonlyArray<string>, text: string) =>
  lines.find((line) => line.includes(text))?.split(/\s{2,}/)

describe('countersign history and grants', severalRuns, () => {
  it('history lists decided approvals with who, what and the note; --audit the calls recorded, with their outcome', async () => {
    const paused = await clientOf('alice').runs.start('finance', 'Refund')
    const approvalId = paused.activeRequirementIds[0]!
    expect(
      (await cli(['approve', approvalId, '-n', 'receipt seen'], { server: server(), as: 'ann' })).code,
    ).toBe(0)
    const history = await cli(['history'], { server: server(), as: 'ann' })
    expect(history.code).toBe(0)
    expect(rowWith(history.lines, 'receipt seen')).toEqual([
      'approved',
      'process_refund',
      'amount: 500',
      'alice',
      'ann',
      expect.stringMatching(/^\d+s$/),
      'receipt seen',
    ])
    const rejectedOnly = await cli(['history', '-s', 'rejected', '--json'], { server: server(), as: 'ann' })
    expect((JSON.parse(rejectedOnly.stdout) as Array<{ id: string }>).map(({ id }) => id)).not.toContain(
      approvalId,
    )

    const exported = await clientOf('alice').runs.start('exporter', 'Export C-1042')
    expect(exported.status).toBe('completed')
    const audit = await cli(['history', '--audit'], { server: server(), as: 'ann' })
    expect(rowWith(audit.lines, exported.runId)).toEqual([
      'export_customer_data',
      'customer: C-1042',
      'alice',
      'completed',
      expect.stringMatching(/^\d+s$/),
      exported.runId,
    ])
    // The records are approvers'.
    expect((await cli(['history'], { server: server(), as: 'alice' })).code).toBe(7)
  })

  it('grants lists a grant with its uses; grants revoke ends it with a note, and the next call asks again', async () => {
    const grant = await clientOf('ann').grants.create({
      scope: 'session',
      principalId: 'alice',
      sessionId: 'cli-grants',
      sourceId: 'finance',
      toolName: 'process_refund',
    })
    const covered = await clientOf('alice').runs.start('finance', 'Refund', { sessionId: 'cli-grants' })
    expect(covered.status).toBe('completed')
    const listed = await cli(['grants'], { server: server(), as: 'ann' })
    expect(rowWith(listed.lines, grant.id)).toEqual([
      grant.id,
      'active',
      'process_refund',
      'finance',
      'alice',
      'cli-grants',
      'any',
      '1',
      'ann',
      expect.stringMatching(/^\d+s$/),
    ])
    const revoked = await cli(['grants', 'revoke', grant.id, '-n', 'month closed'], {
      server: server(),
      as: 'ann',
    })
    expect(revoked.code).toBe(0)
    expect(revoked.stdout).toContain(`Revoked grant ${grant.id}`)
    const [record] = (await clientOf('ann').grants.list({ status: 'revoked' })).filter(
      ({ id }) => id === grant.id,
    )
    expect(record).toMatchObject({ revocation: { note: 'month closed', revokedBy: { id: 'ann' } } })
    expect(
      (await clientOf('alice').runs.start('finance', 'Refund', { sessionId: 'cli-grants' })).status,
    ).toBe('paused')
    // Revoked twice: a conflict; a plain user may not list them.
    expect((await cli(['grants', 'revoke', grant.id], { server: server(), as: 'ann' })).code).toBe(6)
    expect((await cli(['grants'], { server: server(), as: 'alice' })).code).toBe(7)
  })
})
