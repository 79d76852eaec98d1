/**
 * A server process for the CLI's tests of the answers the fixture server's agents never ask
 * for: user input and an external execution. It prints `listening <port>` when ready (what
 * `startServerProcess` waits for); the fixture server's users and tokens sign in.
 */
import { defineAgent, type Message, ScriptedModel, Tool } from '@countersign/core'
import { createServer, staticTokens } from '@countersign/server'
import { tokenOf, tokens } from '@countersign/server/testing'
import { Schema } from 'effect'

/** A model that makes one tool call, then reports what the tool said. */
const callingOnce = (name: string, args: Record<string, unknown>) =>
  ScriptedModel.make((request) => {
    const results = request.messages.flatMap((message: Message) =>
      message._tag === 'Tool' ? [message.content] : [],
    )
    return results.length === 0 ? { toolCalls: [{ name, args }] } : `Done: ${results.join(' | ')}`
  })

/** Asks the person how many guests: a number the model may not choose. */
const booking = defineAgent({
  id: 'booking',
  name: 'Booking',
  model: callingOnce('book_table', { name: 'Ada' }),
  tools: [
    Tool.make({
      name: 'book_table',
      description: 'Book a table',
      parameters: Schema.Struct({ name: Schema.String, guests: Schema.Number }),
      userInputFields: ['guests'],
      execute: ({ name, guests }) => `booked for ${name}, ${guests} guests`,
    }),
  ],
})

/** Asks the person for a time (text) and a head count, both required: the model gives neither. */
const dinner = defineAgent({
  id: 'dinner',
  name: 'Dinner',
  model: callingOnce('reserve', {}),
  tools: [
    Tool.make({
      name: 'reserve',
      description: 'Reserve a table',
      parameters: Schema.Struct({ window: Schema.String, guests: Schema.Number }),
      userInputFields: ['window', 'guests'],
      execute: ({ window, guests }) => `reserved for ${guests} at ${window}`,
    }),
  ],
})

/** The forecast is fetched outside the agent and handed back. */
const weather = defineAgent({
  id: 'weather',
  name: 'Weather',
  model: callingOnce('forecast', { city: 'Oslo' }),
  tools: [
    Tool.make({
      name: 'forecast',
      description: "Tomorrow's forecast",
      parameters: Schema.Struct({ city: Schema.String }),
      externalExecution: true,
    }),
  ],
})

const server = createServer({
  agents: [booking, dinner, weather],
  sweepEvery: false,
  authenticate: staticTokens({ [tokenOf('alice')]: tokens.alice, [tokenOf('bob')]: tokens.bob }),
})

const { port } = await server.listen(0, '127.0.0.1')
console.log(`listening ${port}`)
