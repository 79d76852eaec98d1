import { randomBytes } from 'node:crypto'
import { Resolutions } from '@countersign/core'
import { describe, expect, it } from 'vitest'
import { eventsOf, failure, useClients } from './harness.js'
import { ferretDb, sqliteFile, useServerOn } from './stores.js'

/*
 * Approvals that cannot be bypassed, tried over the wire as an attacker would (issue 16, findings
 * 1–3): an answer sets only what it was asked for, a call runs with exactly the arguments every
 * policy judged and every approver saw, nobody approves their own call, and a grant covers only
 * the runs of the principal it was given for. On a SQLite file and on FerretDB.
 */

describe.each([sqliteFile, ferretDb])('on $name', (store) => {
  const server = useServerOn(store)
  const as = useClients(server)

  /** The run's events until it ends, as its requester follows them. */
  const ending = (runId: string) =>
    eventsOf<{ _tag: string }>((handlers) => as('alice').runs.events.subscribe({ runId }, handlers))

  describe('an answer sets only the fields its requirement asked for', () => {
    it('values for fields the form did not ask are BAD_REQUEST InvalidResolution, and change nothing', async () => {
      const alice = as('alice')
      const paused = await alice.runs.start.mutate({ agentId: 'payments', input: 'Pay rent' })
      const [form] = paused.requirements
      expect(form).toMatchObject({ kind: 'user_input', userInputSchema: [{ name: 'memo' }] })
      const attack = alice.runs.continue.mutate({
        runId: paused.runId,
        resolutions: [Resolutions.userInput(form!.id, { memo: 'm', amount: 999999, to: 'acct-attacker' })],
      })
      expect(await failure(attack)).toMatchObject({
        code: 'BAD_REQUEST',
        error: { _tag: 'InvalidResolution', requirementId: form!.id },
      })
      expect(await alice.runs.get.query({ runId: paused.runId })).toStrictEqual(paused)
    })
  })

  describe('what runs is what was decided', () => {
    it('the approver is asked once the memo is in, about the call as it will run, and it runs exactly so', async () => {
      const alice = as('alice')
      const paused = await alice.runs.start.mutate({ agentId: 'payments', input: 'Pay rent' })
      const filled = await alice.runs.continue.mutate({
        runId: paused.runId,
        resolutions: [Resolutions.userInput(paused.activeRequirementIds[0]!, { memo: 'rent' })],
      })
      expect(filled.status).toBe('paused')
      const [signOff] = filled.requirements.filter((requirement) => !requirement.isResolved)
      expect(signOff).toMatchObject({
        kind: 'approval',
        toolCall: { name: 'wire', args: { to: 'acct-legit', amount: 10, memo: 'rent' } },
      })
      const ended = ending(paused.runId)
      await as('ann').approvals.decide.mutate({ approvalId: signOff!.id, answer: { approved: true } })
      expect((await ended).at(-1)?.data._tag).toBe('RunCompleted')
      const done = await alice.runs.get.query({ runId: paused.runId })
      expect(done.content).toBe('Done: wired 10 to acct-legit (rent)')
      expect(await as('ann').approvals.get.query({ approvalId: signOff!.id })).toMatchObject({
        status: 'approved',
        toolArgs: { to: 'acct-legit', amount: 10, memo: 'rent' },
      })
    })

    it('an amount raised in the answer is judged again: the policy asks an approval of 100000 it did not need for 50', async () => {
      const alice = as('alice')
      const paused = await alice.runs.start.mutate({ agentId: 'payouts', input: 'Pay out' })
      expect(paused.requirements).toMatchObject([{ kind: 'user_input', toolCall: { args: { amount: 50 } } }])
      const raised = await alice.runs.continue.mutate({
        runId: paused.runId,
        resolutions: [
          Resolutions.userInput(paused.activeRequirementIds[0]!, { to: 'acct-attacker', amount: 100000 }),
        ],
      })
      expect(raised.status).toBe('paused')
      const [signOff] = raised.requirements.filter((requirement) => !requirement.isResolved)
      expect(signOff).toMatchObject({
        kind: 'approval',
        toolCall: { name: 'payout', args: { to: 'acct-attacker', amount: 100000 } },
      })
      const ended = ending(paused.runId)
      await as('ann').approvals.decide.mutate({
        approvalId: signOff!.id,
        answer: { approved: false, note: 'not that account' },
      })
      expect((await ended).at(-1)?.data._tag).toBe('RunCompleted')
      const done = await alice.runs.get.query({ runId: paused.runId })
      expect(done.content).toBe('Done: An approver rejected the call to payout: not that account')
    })
  })

  describe('nobody approves their own call', () => {
    it('a requester with the approver role is FORBIDDEN over tRPC, REST and continue; another approver decides', async () => {
      const grace = as('grace')
      const paused = await grace.runs.start.mutate({ agentId: 'finance', input: 'Refund 500' })
      const approvalId = paused.activeRequirementIds[0]!
      const refused = {
        code: 'FORBIDDEN',
        error: {
          _tag: 'NotAllowedToResolve',
          principalId: 'grace',
          reason: 'nobody approves their own calls (separation of duties)',
        },
      }
      expect(
        await failure(grace.approvals.decide.mutate({ approvalId, answer: { approved: true } })),
      ).toMatchObject(refused)
      expect(
        await failure(
          grace.runs.continue.mutate({ runId: paused.runId, resolutions: [Resolutions.confirm(approvalId)] }),
        ),
      ).toMatchObject(refused)
      const rest = await fetch(`${server().url}/api/approvals/${approvalId}/resolve`, {
        method: 'POST',
        headers: { authorization: 'Bearer grace-token', 'content-type': 'application/json' },
        body: JSON.stringify({ approved: true }),
      })
      expect(rest.status).toBe(403)
      expect(await rest.json()).toMatchObject({ error: refused.error })
      expect(await as('ann').approvals.get.query({ approvalId })).toMatchObject({ status: 'pending' })

      const ended = eventsOf<{ _tag: string }>((handlers) =>
        grace.runs.events.subscribe({ runId: paused.runId }, handlers),
      )
      await as('ann').approvals.decide.mutate({ approvalId, answer: { approved: true } })
      expect((await ended).at(-1)?.data._tag).toBe('RunCompleted')
    })
  })

  describe('a grant covers only the runs of the principal it was given for', () => {
    it("bob sending alice's session id gets no use of her grant", async () => {
      const session = `shared-${randomBytes(4).toString('hex')}`
      const first = await as('alice').runs.start.mutate({
        agentId: 'finance',
        input: 'Refund',
        sessionId: session,
      })
      const ended = ending(first.runId)
      await as('ann').approvals.decide.mutate({
        approvalId: first.activeRequirementIds[0]!,
        answer: { approved: true, grant: { scope: 'session', args: 'any' } },
      })
      await ended
      const [grant] = await as('ann').grants.list.query({ sessionId: session })
      expect(grant).toMatchObject({ principalId: 'alice', uses: 0, status: 'active' })

      const bobs = await as('bob').runs.start.mutate({
        agentId: 'finance',
        input: 'Refund',
        sessionId: session,
      })
      expect(bobs.status).toBe('paused')
      const alices = await as('alice').runs.start.mutate({
        agentId: 'finance',
        input: 'Refund',
        sessionId: session,
      })
      expect(alices.status).toBe('completed')
      expect(await as('ann').grants.list.query({ sessionId: session })).toMatchObject([{ uses: 1 }])
    })

    it('an approver may not grant themselves: FORBIDDEN, and no grant is stored', async () => {
      const session = `own-${randomBytes(4).toString('hex')}`
      const own = {
        scope: 'session',
        principalId: 'ann',
        sessionId: session,
        sourceId: 'finance',
        toolName: 'process_refund',
      } as const
      expect(await failure(as('ann').grants.create.mutate(own))).toMatchObject({
        code: 'FORBIDDEN',
        error: {
          _tag: 'NotAllowedToResolve',
          reason: 'nobody approves their own calls (separation of duties)',
        },
      })
      expect(await as('ann').grants.list.query({ sessionId: session })).toStrictEqual([])
    })
  })
})
