/**
 * The server the browser tests drive: scripted agents on a SQLite store, serving the built panel.
 *
 *   panelServer.ts <database file> <panel dist directory> [port]
 *
 * Prints `listening <port>` when ready (port 0 or none: any free one; a fixed one to come back on
 * the same address after a restart). Signs in `user-token` (uma, a user) and `approver-token`
 * (abe, an approver). Killed, it loses nothing: the runs and the approval queue are in the file;
 * a run killed in a call is interrupted a second after (its writer's lease is that short). The
 * `holder` agent's `hold` call prints `held <runId>` and never returns: kill the server in it.
 */
import {
  approval,
  defineAgent,
  defineTeam,
  type Message,
  ScriptedModel,
  Tool,
  UserInput,
} from '@countersign/core'
import { createServer, staticTokens } from '@countersign/server'
import { SqliteStore } from '@countersign/sqlite'
import { Schema } from 'effect'

const [database, webAppDir, port = '0'] = process.argv.slice(2)
if (database === undefined || webAppDir === undefined)
  throw new Error('usage: panelServer.ts <database file> <panel dist directory> [port]')

const toolMessages = (messages: ReadonlyArray<Message>) =>
  messages.flatMap((message) => (message._tag === 'Tool' ? [message] : []))

const userInput = (messages: ReadonlyArray<Message>) =>
  messages.find((message) => message._tag === 'User')?.content ?? ''

/**
 * Refunds the amount named in the input after an approver signs off; rejected, it says why, in the
 * approver's words (the rejection note reaches the model as the call's result).
 */
const finance = defineAgent({
  id: 'finance',
  name: 'Finance',
  model: ScriptedModel.make(({ messages }) => {
    const [result] = toolMessages(messages)
    if (result === undefined) {
      const amount = Number(/for (\d+(?:\.\d+)?)/.exec(userInput(messages))?.[1] ?? '0')
      const order = /[A-Z]-\d+/.exec(userInput(messages))?.[0] ?? 'unknown'
      return { toolCalls: [{ name: 'process_refund', args: { order, amount } }] }
    }
    return result.outcome === 'skipped'
      ? `I could not refund it. ${result.content}`
      : `Done: ${result.content}.`
  }),
  tools: [
    Tool.make({
      name: 'process_refund',
      description: 'Refund an order',
      parameters: Schema.Struct({ order: Schema.String, amount: Schema.Number }),
      approval: approval({ type: 'required', message: 'A refund leaves the company: check the order.' }),
      execute: ({ order, amount }) => `refunded ${amount} for order ${order}`,
    }),
  ],
})

/** A trip booked with what the person fills in: typed fields, one limited to allowed values. */
const travel = defineAgent({
  id: 'travel',
  name: 'Travel desk',
  model: ScriptedModel.make(({ messages }) => {
    const [result] = toolMessages(messages)
    return result === undefined
      ? { toolCalls: [{ name: 'book_trip', args: { destination: 'Lisbon' } }] }
      : `Booked: ${result.content}.`
  }),
  tools: [
    Tool.make({
      name: 'book_trip',
      description: 'Book a trip',
      parameters: Schema.Struct({
        destination: Schema.String,
        nights: Schema.optional(Schema.Int),
        seat: Schema.optional(Schema.String),
        vegetarian: Schema.optional(Schema.Boolean),
      }),
      requires: () => [
        UserInput.need({
          fields: [
            { name: 'nights', type: 'integer', required: true, description: 'How many nights' },
            { name: 'seat', type: 'string', required: true, allowedValues: ['aisle', 'window'] },
            { name: 'vegetarian', type: 'boolean', required: false },
          ],
        }),
      ],
      execute: ({ destination, nights, seat, vegetarian }) =>
        `${nights} nights in ${destination}, ${seat} seat${vegetarian === true ? ', vegetarian meals' : ''}`,
    }),
  ],
})

/** A table booked with a time and a head count, both required: the time is text, which blanks do not answer. */
const dinner = defineAgent({
  id: 'dinner',
  name: 'Dinner',
  model: ScriptedModel.make(({ messages }) => {
    const [result] = toolMessages(messages)
    return result === undefined
      ? { toolCalls: [{ name: 'book_table', args: {} }] }
      : `Booked: ${result.content}.`
  }),
  tools: [
    Tool.make({
      name: 'book_table',
      description: 'Book a table',
      parameters: Schema.Struct({
        window: Schema.optional(Schema.String),
        guests: Schema.optional(Schema.Number),
      }),
      requires: () => [
        UserInput.need({
          fields: [
            { name: 'window', type: 'string', required: true, description: 'When, such as 19:00-21:00' },
            { name: 'guests', type: 'number', required: true },
          ],
        }),
      ],
      execute: ({ window, guests }) => `a table for ${guests} at ${window}`,
    }),
  ],
})

/** A team whose member's call needs a confirmation: its member run shows in the team's timeline. */
const clerk = defineAgent({
  id: 'clerk',
  name: 'Clerk',
  model: ScriptedModel.make(({ messages }) =>
    toolMessages(messages).length === 0
      ? { toolCalls: [{ name: 'file_report', args: { title: 'Quarterly numbers' } }] }
      : 'Filed.',
  ),
  tools: [
    Tool.make({
      name: 'file_report',
      description: 'File a report',
      parameters: Schema.Struct({ title: Schema.String }),
      requiresConfirmation: true,
      execute: ({ title }) => `filed "${title}"`,
    }),
  ],
})

const office = defineTeam({
  id: 'office',
  name: 'Back office',
  model: ScriptedModel.make(({ messages }) =>
    toolMessages(messages).length === 0
      ? {
          toolCalls: [
            { name: 'delegate_task_to_member', args: { member_id: 'clerk', task: 'File the report' } },
          ],
        }
      : 'The clerk filed it.',
  ),
  members: [clerk],
})

/** A parcel handed to a courier outside the agent: a person reports what came of it. */
const courier = defineAgent({
  id: 'courier',
  name: 'Courier',
  model: ScriptedModel.make(({ messages }) => {
    const [result] = toolMessages(messages)
    if (result === undefined) return { toolCalls: [{ name: 'ship_parcel', args: { parcel: 'P-7' } }] }
    return result.outcome === 'failed' ? `Not shipped: ${result.content}` : `Shipped: ${result.content}.`
  }),
  tools: [
    Tool.make({
      name: 'ship_parcel',
      description: 'Ship a parcel',
      parameters: Schema.Struct({ parcel: Schema.String }),
      externalExecution: true,
    }),
  ],
})

/** Exports run at once, each recorded for audit. */
const exports = defineAgent({
  id: 'exports',
  name: 'Exports',
  model: ScriptedModel.make(({ messages }) =>
    toolMessages(messages).length === 0
      ? { toolCalls: [{ name: 'export_customer_data', args: { customer: 'C-1042' } }] }
      : 'Exported.',
  ),
  tools: [
    Tool.make({
      name: 'export_customer_data',
      description: "Export a customer's data",
      parameters: Schema.Struct({ customer: Schema.String }),
      approval: approval({ type: 'audit' }),
      execute: ({ customer }) => `exported ${customer}`,
    }),
  ],
})

/** Its call never returns: a run of it is working until its server is killed. */
const holder = defineAgent({
  id: 'holder',
  name: 'Holder',
  model: ScriptedModel.make(({ messages }) =>
    toolMessages(messages).length === 0 ? { toolCalls: [{ name: 'hold', args: {} }] } : 'Released.',
  ),
  tools: [
    Tool.make({
      name: 'hold',
      description: 'Holds until the server dies',
      parameters: Schema.Struct({}),
      execute: (_args, ctx) => {
        console.log(`held ${ctx.runId}`)
        return new Promise<string>(() => undefined)
      },
    }),
  ],
})

const store = SqliteStore.make({ path: database })
const server = createServer({
  store,
  agents: [finance, holder, travel, dinner, exports, courier],
  writerLease: 1_000,
  teams: [office],
  sweepEvery: false,
  authenticate: staticTokens({
    'user-token': { id: 'uma', roles: ['user'] },
    'approver-token': { id: 'abe', roles: ['approver'] },
  }),
  webApp: { dir: webAppDir },
})

process.once('SIGTERM', () => {
  void server.close().then(() => {
    store.close()
    process.exit(0)
  })
})

const address = await server.listen(Number(port), '127.0.0.1')
console.log(`listening ${address.port}`)
