import { defineAgent, ScriptedModel, Tool } from '@countersign/core'
import { Schema } from 'effect'
import { modelOr } from '../model.js'
import { customerIn, declined, lastResultOf, taskOf } from './conversation.js'

/** Emails reach a customer and cannot be taken back: the user confirms each one. */
const sendCustomerEmail = Tool.make({
  name: 'send_customer_email',
  description: 'Send an email to a customer',
  parameters: Schema.Struct({ customerId: Schema.String, subject: Schema.String, body: Schema.String }),
  requiresConfirmation: true,
  execute: ({ customerId, subject }, ctx) => ({
    sent: true,
    customerId,
    subject,
    messageId: ctx.idempotencyKey,
  }),
})

/** Drafts the email the task asks for, then reports whether it went out or why not. */
const model = ScriptedModel.make(
  (request) => {
    const task = taskOf(request)
    const customerId = customerIn(task) ?? 'C-1042'
    const sent = lastResultOf(request, 'send_customer_email')
    if (sent === undefined)
      return {
        content: `I drafted an email to customer ${customerId}; it goes out once you confirm.`,
        toolCalls: [
          {
            name: 'send_customer_email',
            args: {
              customerId,
              subject: 'About your recent order',
              body: `Hello,\n\n${task}\n\nBest regards,\nCustomer support`,
            },
          },
        ],
      }
    if (declined(sent)) return `I did not send the email to ${customerId}. Your note: ${sent.content}`
    return `The email to ${customerId} is sent.`
  },
  { id: 'scripted-support' },
)

export const support = defineAgent({
  id: 'support',
  name: 'Support',
  instructions:
    'You answer customers by email. To tell a customer something, call send_customer_email with their customer id ' +
    '(like C-1042), a subject and the email body. The user confirms every email before it is sent; if they decline, ' +
    'say so and pass on their note. Keep your answers to one or two sentences.',
  model: modelOr(model),
  tools: [sendCustomerEmail],
})
