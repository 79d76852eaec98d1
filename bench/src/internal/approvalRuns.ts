import {
  type Countersign,
  defineAgent,
  type Message,
  Resolutions,
  ScriptedModel,
  Tool,
} from '@countersign/core'
import { Schema } from 'effect'
import { expectStatus, type Paused, pausedOnOne } from '../confirmOnce.js'

/*
 * The store-size benchmark's runs: what fills an approval queue. A run's model looks an order up
 * (a tool with an `audit` approval: it runs at once and leaves a decided approval) and asks for a
 * refund (a tool whose approval is `required`, due in a week): the run pauses on the refund's
 * approval; confirmed by an approver, the refund runs and the model answers. A completed run
 * leaves two decided approvals, a paused one a decided and a pending one.
 */

/** Several agents alike, so that a list of one agent's runs is a part of the store, not all of it. */
export const agentCount = 4
/** Several users, for the same reason. */
export const userCount = 7

export const agentIdOf = (index: number) => `approve-${index % agentCount}`
export const userIdOf = (index: number) => `user-${index % userCount}`

/** What the pending approvals' deadlines are: far enough that none falls due while measured. */
export const expiresIn = '7 days'

const toolResults = (messages: ReadonlyArray<Message>) =>
  messages.flatMap((message) => (message._tag === 'Tool' ? [message.content] : []))

const approvalAgent = (id: string) =>
  defineAgent({
    id,
    name: `Refunds (${id})`,
    model: ScriptedModel.make(
      (request) => {
        const results = toolResults(request.messages)
        return results.length === 0
          ? {
              toolCalls: [
                { name: 'lookup_order', args: { orderId: 'A-1042' } },
                { name: 'refund', args: { orderId: 'A-1042', amount: 100 } },
              ],
            }
          : `Done: ${results.join(' | ')}`
      },
      { keepRequests: 1 },
    ),
    tools: [
      Tool.make({
        name: 'lookup_order',
        description: 'Look an order up',
        parameters: Schema.Struct({ orderId: Schema.String }),
        approval: { type: 'audit' },
        execute: ({ orderId }) => `order ${orderId}: 100 paid`,
      }),
      Tool.make({
        name: 'refund',
        description: 'Refund an order',
        parameters: Schema.Struct({ orderId: Schema.String, amount: Schema.Number }),
        approval: { type: 'required', expiresIn },
        execute: ({ orderId, amount }) => `refunded ${amount} on ${orderId}`,
      }),
    ],
  })

export const approvalAgents = Array.from({ length: agentCount }, (_, index) =>
  approvalAgent(agentIdOf(index)),
)

/** Who decides the approvals: an approver, not the requester. */
const approver = { id: 'approver-1', roles: ['approver'] }

/** Starts the `index`-th run (its agent and user by `index`); resolves once it has paused on its refund. */
export const startRun = async (countersign: Countersign, index: number): Promise<Paused> => {
  const run = await countersign.run(agentIdOf(index), 'Refund order A-1042', { userId: userIdOf(index) })
  return pausedOnOne({ ...run, requirementIds: run.activeRequirements.map(({ id }) => id) })
}

/** Approves the refund as the approver; resolves once the run has completed. */
export const completeRun = async (countersign: Countersign, paused: Paused) =>
  expectStatus(
    await countersign.continueRun(
      { runId: paused.runId, resolutions: paused.requirementIds.map(Resolutions.confirm) },
      { principal: approver },
    ),
    'completed',
  )
