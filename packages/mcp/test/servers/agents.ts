import { appendFileSync } from 'node:fs'
import { approval, defineAgent, ScriptedModel, Tool } from '@countersign/core'
import { Schema } from 'effect'

/*
 * Agents served over MCP in the tests: `treasurer` pays after the caller confirms, `payouts`
 * pays after an approver approves. Every payment made is appended to the file named by the
 * LEDGER environment variable, a line each: how a test sees that a declined one never ran.
 */

const ledger = process.env.LEDGER

/** A model that makes one call, then reports what it answered. */
const callingOnce = (name: string, args: Record<string, unknown>) =>
  ScriptedModel.make((request) => {
    const results = request.messages.flatMap((message) => (message._tag === 'Tool' ? [message.content] : []))
    return results.length === 0 ? { toolCalls: [{ name, args }] } : `Done: ${results.join(' | ')}`
  })

const pay = (name: string, flags: Tool.HitlFlags) =>
  Tool.make({
    name,
    description: 'Pays someone',
    parameters: Schema.Struct({ to: Schema.String, amount: Schema.Number }),
    ...flags,
    execute: ({ to, amount }) => {
      if (ledger !== undefined) appendFileSync(ledger, `${name} ${to} ${amount}\n`)
      return `paid ${amount} to ${to}`
    },
  })

export const treasurer = defineAgent({
  id: 'treasurer',
  model: callingOnce('pay', { to: 'Bo', amount: 5 }),
  tools: [pay('pay', { requiresConfirmation: true })],
})

export const payouts = defineAgent({
  id: 'payouts',
  model: callingOnce('payout', { to: 'Cy', amount: 900 }),
  tools: [pay('payout', { approval: approval({ type: 'required' }) })],
})
