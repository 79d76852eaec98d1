import { approval, defineAgent, type Model, ScriptedModel, Tool } from '@countersign/core'
import { amountThreshold, expiry } from '@countersign/policies'
import { Schema } from 'effect'
import { modelOr } from '../model.js'
import { amountIn, customerIn, declined, dollars, lastResultOf, taskOf } from './conversation.js'

/** Refunds up to this many dollars go through at once; larger ones wait for an approver. */
export const refundLimit = 100

export const processRefund = Tool.make({
  name: 'process_refund',
  description: 'Refund a customer to the card they paid with',
  parameters: Schema.Struct({ customerId: Schema.String, amount: Schema.Number }),
  execute: ({ customerId, amount }, ctx) => ({ refunded: amount, customerId, reference: ctx.idempotencyKey }),
})

/** Exports run at once, but each leaves an audit record in the approval queue's history. */
const exportCustomerData = Tool.make({
  name: 'export_customer_data',
  description: 'Export everything stored about a customer',
  parameters: Schema.Struct({ customerId: Schema.String }),
  approval: approval({ type: 'audit' }),
  execute: ({ customerId }) => ({ customerId, records: 42, file: `exports/${customerId}.json` }),
})

/** Refunds over the limit need an approver's sign-off: a policy, so the tool itself stays plain. */
export const refundPolicy = amountThreshold({ tools: ['process_refund'], above: refundLimit })

/** An approver has an hour to sign a refund off; after that it is rejected and the run goes on. */
export const refundDeadline = expiry({ after: '1 hour', tools: ['process_refund'], kinds: ['approval'] })

/** What a refund came to, as the model reports it. */
export const refundReport = (request: Model.ModelRequest, customerId: string, amount: number) => {
  const refund = lastResultOf(request, 'process_refund')
  if (refund === undefined) return undefined
  if (declined(refund)) return `I did not refund ${dollars(amount)} to ${customerId}. ${refund.content}`
  return `Refunded ${dollars(amount)} to customer ${customerId}.`
}

/** Refunds or exports as the task says: "Refund $250 to customer C-1042", "Export the data of C-7". */
const model = ScriptedModel.make(
  (request) => {
    const task = taskOf(request)
    const customerId = customerIn(task) ?? 'C-1042'
    if (/export/i.test(task)) {
      const exported = lastResultOf(request, 'export_customer_data')
      if (exported === undefined)
        return { toolCalls: [{ name: 'export_customer_data', args: { customerId } }] }
      return `Exported the data of ${customerId} (${exported.content}).`
    }
    const amount = amountIn(task)
    // Never a made-up amount: ask for one.
    if (amount === undefined)
      return `How much should I refund to customer ${customerId}? Say it as "Refund $50 to customer ${customerId}".`
    // Nothing is claimed before it happened: the request, then the report of what came of it.
    return (
      refundReport(request, customerId, amount) ?? {
        content:
          `I am asking to refund ${dollars(amount)} to customer ${customerId}` +
          (amount > refundLimit ? `; over ${dollars(refundLimit)}, it waits for an approver.` : '.'),
        toolCalls: [{ name: 'process_refund', args: { customerId, amount } }],
      }
    )
  },
  { id: 'scripted-finance' },
)

export const finance = defineAgent({
  id: 'finance',
  name: 'Finance',
  instructions:
    'You handle refunds and data exports for customers (ids like C-1042). To refund, call process_refund with the ' +
    `customerId and the amount in dollars, as a number; refunds over ${dollars(refundLimit)} wait for an approver. ` +
    "To export a customer's data, call export_customer_data. Then say in one sentence what happened.",
  model: modelOr(model),
  tools: [processRefund, exportCustomerData],
  policies: [refundPolicy, refundDeadline],
})
