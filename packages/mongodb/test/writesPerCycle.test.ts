import { Agent, type RunOutput } from '@countersign/core'
import { describe, expect, it } from 'vitest'
import {
  confirmAll,
  countCommands,
  cycler,
  formatCounts,
  isEventsMark,
  type CommandCounts,
} from '../src/testing.js'
import { mongoTestKit } from './mongo.js'

const mongo = mongoTestKit()

const cycles = 5
/**
 * The write budget of one pause/resume cycle: the decision, the claim (which carries its writer's
 * lease), the stop's batch with the end of that lease (one command), and the `runs` document. The
 * events' mark, which other servers' idle followers poll, is not the cycle's: a process sets it
 * once for all the batches of 50 ms, off their path (eventsMark.ts; its own test counts it).
 */
const maxWritesPerCycle = 4
/**
 * The read budget of a cycle continued by a new engine (cold): a continue reads the run (getRun
 * 2: its document, and whether an event follows it; readEvents 1: whether one does), every
 * requirement of the run once (listRequirements 3: the decisions, the run), the transcript
 * (readTranscript 1); its claim carries the decision, placed by the pause's own document (1).
 * The pause is answered from what its writer stored.
 */
const maxReadsPerCycle = 8
/** Continued by the engine that paused it (hot), only the decision's place is read. */
const maxHotReadsPerCycle = 1

const cyclingAgent = (store: Agent['store'], executions: Array<string>) =>
  new Agent({ ...cycler(executions), store })

/** One cycle: confirm the pending call; it runs, the model calls the tool again, and the run pauses on it. */
const cycle = (agent: Agent, paused: RunOutput) => agent.continueRun(confirmAll(paused))

/** Each cycle's counts, and the worst of them for `kind`, for the failure message. */
const worstOf = (perCycle: ReadonlyArray<CommandCounts>, kind: 'reads' | 'writes') => {
  const counts = perCycle.map((cycleCounts) => cycleCounts[kind])
  const worst = Math.max(...counts)
  const at = perCycle[counts.indexOf(worst)]!
  return {
    worst,
    why: `${kind} per cycle over ${perCycle.length} cycles: ${counts.join(', ')}; the worst cycle: ${formatCounts(at)}`,
  }
}

const expectWithin = (
  perCycle: ReadonlyArray<CommandCounts>,
  budgets: { readonly reads: number; readonly writes: number },
) => {
  for (const kind of ['reads', 'writes'] as const) {
    const { worst, why } = worstOf(perCycle, kind)
    expect(worst, why).toBeLessThanOrEqual(budgets[kind])
  }
}

describe('MongoStore: commands per pause/resume cycle', () => {
  it(`continued by the engine that paused it, a cycle (confirm, the tool runs, the run pauses again) sends at most ${maxWritesPerCycle} write and ${maxHotReadsPerCycle} read commands`, async () => {
    const client = await mongo.newClient({ monitorCommands: true })
    const store = await mongo.open({ client, dbName: mongo.freshDatabase() })
    const executions: Array<string> = []
    const agent = cyclingAgent(store, executions)
    mongo.defer(() => agent.dispose())
    const counter = countCommands(client, { except: isEventsMark })
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
    expectWithin(perCycle, { reads: maxHotReadsPerCycle, writes: maxWritesPerCycle })
  })

  it(`continued by a new engine each time, a cycle sends at most ${maxWritesPerCycle} write and ${maxReadsPerCycle} read commands`, async () => {
    const client = await mongo.newClient({ monitorCommands: true })
    const store = await mongo.open({ client, dbName: mongo.freshDatabase() })
    const executions: Array<string> = []
    const first = cyclingAgent(store, executions)
    let output = await first.run('Move 1, again and again')
    await first.dispose()
    expect(output.status).toBe('paused')
    const counter = countCommands(client, { except: isEventsMark })
    mongo.defer(counter.stop)

    const perCycle: Array<CommandCounts> = []
    for (let done = 0; done < cycles; done++) {
      // A new engine over the same store, as a server that did not pause the run would be.
      const agent = cyclingAgent(store, executions)
      counter.reset()
      output = await cycle(agent, output)
      perCycle.push(counter.take())
      await agent.dispose()
      expect(output.status).toBe('paused')
      expect(output.activeRequirements).toHaveLength(1)
    }

    expect(executions).toHaveLength(cycles)
    expectWithin(perCycle, { reads: maxReadsPerCycle, writes: maxWritesPerCycle })
  })
})
