/**
 * A server process for the CLI's tests of text that would drive a terminal: its agent's tool
 * call carries the run's input as an argument, as a model copies what it read. It prints
 * `listening <port>` when ready; the fixture server's users and tokens sign in.
 */
import { approval, defineAgent, type Message, ScriptedModel, Tool } from '@countersign/core'
import { createServer, staticTokens } from '@countersign/server'
import { tokenOf, tokens } from '@countersign/server/testing'
import { Schema } from 'effect'

const firstInput = (messages: ReadonlyArray<Message>) =>
  messages.find((message) => message._tag === 'User')?.content ?? ''

/** Pays 5000 with the input as the memo, once an approver signs off; then says what the tool said. */
const payments = defineAgent({
  id: 'payments',
  name: 'Payments',
  model: ScriptedModel.make(({ messages }) => {
    const result = messages.find((message) => message._tag === 'Tool')
    return result === undefined
      ? { toolCalls: [{ name: 'pay', args: { amount: 5000, memo: firstInput(messages) } }] }
      : `Done: ${result.content}`
  }),
  tools: [
    Tool.make({
      name: 'pay',
      description: 'Pay an amount',
      parameters: Schema.Struct({ amount: Schema.Number, memo: Schema.String }),
      approval: approval({ type: 'required' }),
      execute: ({ amount, memo }) => `paid ${amount} for ${memo}`,
    }),
  ],
})

const server = createServer({
  agents: [payments],
  sweepEvery: false,
  authenticate: staticTokens({ [tokenOf('alice')]: tokens.alice, [tokenOf('ann')]: tokens.ann }),
})

const { port } = await server.listen(0, '127.0.0.1')
console.log(`listening ${port}`)
