/**
 * The terminal demo: a support agent that looks up an order (harmless, runs at once) and refunds
 * it (consequential, waits for you). The run streams its events, pauses on the refund, asks you
 * to approve or reject it, then continues where it stopped. Runs are kept in a local SQLite file, or
 * in MongoDB when MONGODB_URL is set (see store.ts).
 *
 * Run it with `bash scripts/demo.sh`, or `pnpm --filter @countersign/demo start`.
 */
import { createInterface } from 'node:readline/promises'
import { Schema } from 'effect'
import {
  Agent,
  ScriptedModel,
  Tool,
  type Message,
  type Model,
  type RunEvent,
  type RunOutput,
} from '@countersign/core'
import { openStore } from './store.js'

const ORDER = { orderId: 'A-1001', item: 'ceramic teapot', amount: 42.5 }

const lookupOrder = Tool.make({
  name: 'lookup_order',
  description: 'Look up an order by id',
  parameters: Schema.Struct({ orderId: Schema.String }),
  execute: ({ orderId }) => ({ ...ORDER, orderId, status: 'delivered, damaged' }),
})

// Money leaves the company: a person must say yes first.
const refundPayment = Tool.make({
  name: 'refund_payment',
  description: 'Refund an order to the card it was paid with',
  parameters: Schema.Struct({ orderId: Schema.String, amount: Schema.Number }),
  requiresConfirmation: true,
  // The idempotency key is stable across resumes: a payment provider would deduplicate on it.
  execute: ({ orderId, amount }, ctx) => ({ refunded: amount, orderId, idempotencyKey: ctx.idempotencyKey }),
})

type ToolMessage = Extract<Message, { _tag: 'Tool' }>

/**
 * The model, scripted as a function of the conversation so that its last word depends on what
 * happened to the refund: a script of fixed turns could not tell an approval from a rejection.
 */
const supportModel = ScriptedModel.make(
  (request: Model.ModelRequest): ScriptedModel.Turn => {
    const refund = request.messages.findLast(
      (message): message is ToolMessage => message._tag === 'Tool' && message.toolName === 'refund_payment',
    )
    if (refund === undefined)
      return {
        content: `Sorry to hear that. I'll look up order ${ORDER.orderId} and refund it.`,
        toolCalls: [
          { name: 'lookup_order', args: { orderId: ORDER.orderId } },
          { name: 'refund_payment', args: { orderId: ORDER.orderId, amount: ORDER.amount } },
        ],
      }
    const amount = `$${ORDER.amount.toFixed(2)}`
    if (refund.outcome === 'completed')
      return `Done: I refunded ${amount} for order ${ORDER.orderId} to your card.`
    // On a rejection the tool message carries the reviewer's note (or a plain sentence).
    return `I have not refunded order ${ORDER.orderId}: the refund was declined. Reason given: ${refund.content}`
  },
  { id: 'scripted-support' },
)

/** Prints a run's events compactly; returns the event that stopped the stream. */
const printEvents = async (events: AsyncIterable<RunEvent>): Promise<RunEvent | undefined> => {
  let midLine = false // inside streamed assistant text
  const line = (text: string) => {
    process.stdout.write(`${midLine ? '\n' : ''}${text}\n`)
    midLine = false
  }
  let last: RunEvent | undefined
  for await (const event of events) {
    last = event
    switch (event._tag) {
      case 'RunStarted':
        line(`[run] ${event.runId} started: "${event.input}"`)
        break
      case 'RunContent':
        process.stdout.write(
          midLine ? event.delta : `assistant:${event.delta.startsWith(' ') ? '' : ' '}${event.delta}`,
        )
        midLine = true
        break
      case 'ToolCallStarted':
        line(`  -> ${event.toolCall.name} ${JSON.stringify(event.toolCall.args)}`)
        break
      case 'ToolCallCompleted':
        line(`  <- ${event.toolName} ${JSON.stringify(event.result)}`)
        break
      case 'ToolCallFailed':
        line(`  !! ${event.toolName} failed: ${event.error}`)
        break
      case 'RunPaused':
        line(`[run] paused: ${event.requirements.length} decision(s) needed`)
        break
      case 'RequirementResolved':
        line(`  decision recorded on ${event.requirementId} (${event.kind}): ${JSON.stringify(event.value)}`)
        break
      case 'RunContinued':
        line('[run] continued')
        break
      case 'RunCompleted':
        line('[run] completed')
        break
      case 'RunFailed':
        line(`[run] failed: ${event.error}`)
        break
      case 'RunCancelled':
        line('[run] cancelled')
        break
      default: // model request boundaries: noise in a terminal
        break
    }
  }
  if (midLine) process.stdout.write('\n')
  return last
}

/**
 * Reads answers line by line. The iterator buffers lines from the moment it is made, so answers
 * piped in before a question is asked (`echo y | ...`) are not lost. `undefined`: input closed.
 */
const makePrompter = () => {
  const rl = createInterface({ input: process.stdin, output: process.stdout })
  const lines = rl[Symbol.asyncIterator]()
  const ask = async (question: string): Promise<string | undefined> => {
    rl.setPrompt(question)
    rl.prompt()
    const next = await lines.next()
    if (next.done === true) return undefined
    const answer = next.value.trim()
    if (!process.stdin.isTTY) process.stdout.write(`${answer}\n`) // a pipe does not echo: keep the transcript readable
    return answer
  }
  return { ask, close: () => rl.close() }
}
type Prompter = ReturnType<typeof makePrompter>

class NoAnswer extends Error {}

/** Asks until the answer is yes or no. */
const askApproval = async (prompter: Prompter): Promise<boolean> => {
  for (;;) {
    const answer = (await prompter.ask('Approve? [y/n] '))?.toLowerCase()
    if (answer === undefined) throw new NoAnswer()
    if (answer === 'y' || answer === 'yes') return true
    if (answer === 'n' || answer === 'no') return false
  }
}

/** Shows each open requirement and records your decision on it (not yet submitted). */
const decide = async (output: RunOutput, prompter: Prompter) => {
  for (const requirement of output.activeRequirements) {
    console.log(
      `\n[${requirement.kind}] ${requirement.toolCall.name} ${JSON.stringify(requirement.toolCall.args)}`,
    )
    if (!requirement.needsConfirmation)
      throw new Error(`this demo only answers confirmations, not ${requirement.kind}`)
    if (await askApproval(prompter)) requirement.confirm()
    else {
      const note = await prompter.ask('Note for the agent (optional): ')
      requirement.reject(note === undefined || note === '' ? undefined : note)
    }
  }
}

const main = async () => {
  const { store, description, close } = await openStore()
  console.log(`[store] ${description}`)
  const agent = new Agent({
    id: 'support',
    instructions: 'You help customers with their orders.',
    model: supportModel,
    tools: [lookupOrder, refundPayment],
    store,
  })
  const prompter = makePrompter()
  try {
    let stop = await printEvents(
      agent.runStream('My teapot (order A-1001) arrived broken. Can I get my money back?'),
    )
    while (stop?._tag === 'RunPaused') {
      const paused = await agent.getRun(stop.runId)
      await decide(paused, prompter)
      // The decisions travel with the output; the store records each once, then the run resumes.
      stop = await printEvents(agent.continueRunStream(paused))
    }
    if (stop?._tag !== 'RunCompleted') throw new Error(`the run ended with ${stop?._tag ?? 'no events'}`)
    console.log(`\nFinal answer: ${stop.content}`)
  } catch (error) {
    if (!(error instanceof NoAnswer)) throw error
    console.error(
      '\nNo answer: standard input closed while a decision was pending. The run stays paused in the store; exiting.',
    )
    process.exitCode = 2
  } finally {
    prompter.close()
    await agent.dispose()
    await close()
  }
}

await main()
