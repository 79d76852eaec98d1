import { Schema } from 'effect'
import { afterEach, describe, expect, it } from 'vitest'
import { Agent } from '../Runners.js'
import type { Message } from '../Message.js'
import * as Resolutions from '../Resolutions.js'
import type { RunStore } from '../RunStore.js'
import * as ScriptedModel from '../ScriptedModel.js'
import * as Tool from '../Tool.js'
import type { StoreUnderTest } from './StoreConformance.js'

/** A database to fill with one long run, and how to weigh what it holds. */
export interface MeasuredDatabase {
  /** A store over the database, for the agent. */
  readonly open: () => Promise<StoreUnderTest>
  /**
   * The size in bytes of every record the database holds, read from the database itself and
   * knowing nothing of the store's layout: every document of every collection, every row of
   * every table.
   */
  readonly recordSizes: () => Promise<ReadonlyArray<number>>
  /** Called after the test, once the store is closed. */
  readonly drop?: () => Promise<void>
}

const rounds = 200
const sampleEvery = 50
const maxRecordBytes = 64 * 1024
/** How far each sampled increment of the stored bytes may stray from their mean. */
const tolerance = 0.2

/**
 * What the tool returns each round: about 1 KB, so that the run's history (at least 200 KB after
 * 200 rounds) cannot fit under the record bound, and a store that kept it in one record fails.
 */
const receipt = 'receipt '.repeat(128)

type ToolMessage = Extract<Message, { _tag: 'Tool' }>

/**
 * An agent whose model files a receipt through a tool that needs confirmation, again and again,
 * one call a turn, until `rounds` have been filed; then it answers.
 */
const clerk = (store: RunStore, executions: Array<string>) => {
  const fileReceipt = Tool.make({
    name: 'file_receipt',
    description: 'File the receipt of one round',
    parameters: Schema.Struct({ round: Schema.Number }),
    requiresConfirmation: true,
    execute: ({ round }, ctx) => {
      executions.push(ctx.idempotencyKey)
      return { round, receipt }
    },
  })
  const model = ScriptedModel.make(({ messages }) => {
    const filed = messages.filter((message): message is ToolMessage => message._tag === 'Tool').length
    return filed < rounds
      ? { content: 'Next.', toolCalls: [{ name: 'file_receipt', args: { round: filed + 1 } }] }
      : `Filed ${filed} receipts.`
  })
  return new Agent({ id: 'clerk', model, tools: [fileReceipt], store })
}

/**
 * The stored run does not grow with its history (invariant 8): one run through 200 pause/resume
 * rounds leaves no record of 64 KB or more, and the bytes stored grow by the same amount every
 * 50 rounds — linearly, where a store that rewrote its history at every pause would grow
 * quadratically.
 */
export const describeStoredSize = (name: string, makeDatabase: () => Promise<MeasuredDatabase>): void => {
  const cleanups: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  describe(`${name}: what a long run stores`, () => {
    it(
      `after ${rounds} pause/resume rounds of one run, no record reaches 64 KB and the bytes stored grow linearly`,
      async () => {
        const database = await makeDatabase()
        if (database.drop !== undefined) cleanups.push(database.drop)
        const { store, close } = await database.open()
        if (close !== undefined) cleanups.push(close)
        const executions: Array<string> = []
        const agent = clerk(store, executions)
        cleanups.push(() => agent.dispose())

        let largest = 0
        const totals: Array<number> = []
        const weigh = async () => {
          const sizes = await database.recordSizes()
          largest = Math.max(largest, ...sizes)
          return sizes.reduce((sum, size) => sum + size, 0)
        }

        let output = await agent.run(`File ${rounds} receipts, one at a time`)
        for (let round = 1; round <= rounds; round++) {
          expect(output.status).toBe('paused')
          if (round % sampleEvery === 0) totals.push(await weigh())
          output = await agent.continueRun({
            runId: output.runId,
            resolutions: output.activeRequirements.map(({ id }) => Resolutions.confirm(id)),
          })
        }
        expect(output).toMatchObject({ status: 'completed', content: `Filed ${rounds} receipts.` })
        expect(executions).toHaveLength(rounds)
        expect(new Set(executions).size).toBe(rounds) // each call ran once
        await weigh()

        expect(largest).toBeLessThan(maxRecordBytes)
        const increments = totals.slice(1).map((total, index) => total - totals[index]!)
        // Each round stores its receipt at least once: a smaller increment means the weighing missed records.
        expect(Math.min(...increments)).toBeGreaterThan(sampleEvery * receipt.length)
        const mean = increments.reduce((sum, increment) => sum + increment, 0) / increments.length
        for (const increment of increments)
          expect(
            Math.abs(increment / mean - 1),
            `bytes added every ${sampleEvery} rounds: ${increments.join(', ')}`,
          ).toBeLessThanOrEqual(tolerance)
      },
      // Each continue re-reads the run's transcript and requirements: on FerretDB the 200 rounds take about half a minute.
      180_000,
    )
  })
}
