import { defineAgent, defineTeam, ScriptedModel, Tool } from '@countersign/core'
import { Schema } from 'effect'
import { modelOr } from '../model.js'
import { amountIn, customerIn, dollars, taskOf, toolMessages } from './conversation.js'
import { processRefund, refundPolicy, refundReport } from './finance.js'

/** The customers who left this month and what each is owed. */
export const churnedUsers = [
  { customerId: 'C-2001', amount: 40 },
  { customerId: 'C-2002', amount: 180 },
  { customerId: 'C-2003', amount: 75 },
] as const

const listChurnedUsers = Tool.make({
  name: 'list_churned_users',
  description: 'The customers who cancelled this month, with the refund each is owed',
  parameters: Schema.Struct({}),
  execute: () => churnedUsers,
})

/** Refunds one customer per task; the refund policy applies to it as to the finance agent. */
const billing = defineAgent({
  id: 'billing',
  name: 'Billing',
  instructions:
    'You refund one customer per task: call process_refund with the customerId and the amount in dollars (a ' +
    'number) the task names, then say in one sentence what happened.',
  model: modelOr(
    ScriptedModel.make(
      (request) => {
        const task = taskOf(request)
        const customerId = customerIn(task) ?? 'C-2001'
        const amount = amountIn(task) ?? 0
        return (
          refundReport(request, customerId, amount) ?? {
            toolCalls: [{ name: 'process_refund', args: { customerId, amount } }],
          }
        )
      },
      { id: 'scripted-billing' },
    ),
  ),
  tools: [processRefund],
  policies: [refundPolicy],
})

/**
 * Looks up who churned, hands each refund to Billing in one turn (the refunds under the limit go
 * through while the larger one waits, and the team pauses once for it), then sums up.
 */
const leader = ScriptedModel.make(
  (request) => {
    const results = toolMessages(request)
    if (results.length === 0) return { toolCalls: [{ name: 'list_churned_users', args: {} }] }
    if (results.length === 1)
      return {
        content: `${churnedUsers.length} customers churned; I am asking Billing to refund each of them.`,
        toolCalls: churnedUsers.map(({ customerId, amount }) => ({
          name: 'delegate_task_to_member',
          args: { member_id: 'billing', task: `Refund ${dollars(amount)} to customer ${customerId}` },
        })),
      }
    return `Refunds for churned users: ${results
      .slice(1)
      .map((result) => result.content)
      .join(' ')}`
  },
  { id: 'scripted-refund-desk' },
)

export const refundDesk = defineTeam({
  id: 'refund-desk',
  name: 'Refund desk',
  instructions:
    'You run the refund desk. Call list_churned_users, then hand each customer to the billing member in one turn, ' +
    'one delegate_task_to_member call each, with the task "Refund $<amount> to customer <id>". Then sum up.',
  model: modelOr(leader),
  members: [billing],
  tools: [listChurnedUsers],
})
