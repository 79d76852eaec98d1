import { Agent, Resolutions, ScriptedModel, Tool, type RunOutput } from '@countersign/core'
import { Schema } from 'effect'
import { describe, expect, it } from 'vitest'
import { countCommands, formatCounts, type CommandCounts } from '../src/testing.js'
import { mongoTestKit } from './mongo.js'

const mongo = mongoTestKit()

const cycles = 5
/**
 * The write budget of one pause/resume cycle (the engine's write-path issue set it at 4): the
 * decision, the claim (which carries its writer's lease), the stop's batch, and the `runs`
 * document with, beside it, the end of the writer's lease (so that listing interrupted runs reads
 * only the claims being worked on). The last two go together: a cycle takes no longer for it.
 * Each of the two batches of events (the claim, the stop) is followed by the events' mark, one
 * update of a `counters` document, which other servers' idle followers poll (see eventsMark.ts).
 */
const maxWritesPerCycle = 7
/**
 * The read budget of a cycle, as the engine calls the store today: a continue reads the run
 * (getRun 2: its document, and whether an event follows it; readEvents 1: whether one does) and
 * the pause's requirement (getRequirement 3: the decisions, the run); its claim carries the
 * decision, placed by the pause's own document (1, then the insert); the resumed writer reads the
 * transcript (1); the pause is answered with the run's requirements (listRequirements 3). The
 * issue's target is 8: it needs the requirements answered without listing them again.
 */
const maxReadsPerCycle = 11

/** An agent whose model calls the gated tool on every turn, so each resume runs it once and pauses again. */
const cyclingAgent = (store: Agent['store'], executions: Array<string>) =>
  new Agent({
    id: 'cycler',
    model: ScriptedModel.make(() => ({ toolCalls: [{ name: 'transfer', args: { amount: 1 } }] })),
    tools: [
      Tool.make({
        name: 'transfer',
        description: 'Move money between accounts',
        parameters: Schema.Struct({ amount: Schema.Number }),
        requiresConfirmation: true,
        execute: ({ amount }, ctx) => {
          executions.push(ctx.toolCallId)
          return `moved ${amount}`
        },
      }),
    ],
    store,
  })

/** One cycle: confirm the pending call; it runs, the model calls the tool again, and the run pauses on it. */
const cycle = (agent: Agent, paused: RunOutput) =>
  agent.continueRun({
    runId: paused.runId,
    resolutions: paused.activeRequirements.map((requirement) => Resolutions.confirm(requirement.id)),
  })

describe('MongoStore: commands per pause/resume cycle', () => {
  it(`a cycle (confirm, the tool runs, the run pauses again) sends at most ${maxWritesPerCycle} write and ${maxReadsPerCycle} read commands`, async () => {
    const client = await mongo.newClient({ monitorCommands: true })
    const store = await mongo.open({ client, dbName: mongo.freshDatabase() })
    const executions: Array<string> = []
    const agent = cyclingAgent(store, executions)
    mongo.defer(() => agent.dispose())
    const counter = countCommands(client)
    mongo.defer(counter.stop)

    let output = await agent.run('Move 1, again and again')
    expect(output.status).toBe('paused')
    counter.reset()
    const perCycle: Array<CommandCounts> = []
    for (let done = 0; done < cycles; done++) {
      output = await cycle(agent, output)
      perCycle.push(counter.take())
      // Each cycle must really be one: the tool ran, and the run waits on the next call.
      expect(output.status).toBe('paused')
      expect(output.activeRequirements).toHaveLength(1)
    }

    expect(executions).toHaveLength(cycles)
    const budgets = { writes: maxWritesPerCycle, reads: maxReadsPerCycle } as const
    for (const [kind, budget] of Object.entries(budgets) as Array<[keyof typeof budgets, number]>) {
      const counts = perCycle.map((cycleCounts) => cycleCounts[kind])
      const worst = perCycle[counts.indexOf(Math.max(...counts))]!
      expect(
        Math.max(...counts),
        `${kind} per cycle over ${cycles} cycles: ${counts.join(', ')}; the worst cycle: ${formatCounts(worst)}`,
      ).toBeLessThanOrEqual(budget)
    }
  })
})
