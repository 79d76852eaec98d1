import { fileURLToPath } from 'node:url'
import { createClient } from '@countersign/client'
import { startServerProcess, tokenOf } from '@countersign/server/testing'
import { describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { startSmtpServer } from './smtp.js'

const entry = fileURLToPath(new URL('./servers/countersign.ts', import.meta.url))

describe('email from a Countersign server', () => {
  it('a paused run emails its approval with the deep link; the decision follows in the same thread', async () => {
    const smtp = await startSmtpServer()
    const server = await startServerProcess(entry, [smtp.url])
    const alice = createClient({ url: server.url, token: tokenOf('alice'), WebSocket })
    const ann = createClient({ url: server.url, token: tokenOf('ann'), WebSocket })
    try {
      const run = await alice.runs.start('finance', 'Refund order 42')
      const approvalId = run.activeRequirementIds[0]!
      const [raised] = await smtp.messages(1)
      const link = `http://panel.test/#/runs/${run.runId}/${approvalId}`
      expect(raised!.to).toEqual(['approvers@example.test'])
      expect(raised!.parsed.subject).toBe('[Countersign] Approval needed: process_refund')
      expect(raised!.parsed.text).toContain(`Decide in Countersign: ${link}`)
      expect(raised!.parsed.html).toContain(`<a href="${link}">`)

      await ann.approvals.decide(approvalId, { approved: true })
      const [, decided] = await smtp.messages(2)
      expect(decided!.parsed.subject).toBe('[Countersign] Approved by ann — Approval needed: process_refund')
      expect(decided!.parsed.inReplyTo).toBe(raised!.parsed.messageId)
    } finally {
      await Promise.all([alice.close(), ann.close()])
      server.kill()
      await server.ended
      await smtp.close()
    }
  })
})
