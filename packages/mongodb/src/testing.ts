/**
 * @countersign/mongodb/testing — a count of the commands a MongoClient sends, for tests and
 * benchmarks that hold the store to a budget of round trips (say, writes per pause and resume),
 * and the agent whose cycle those budgets are stated for.
 */
import { type AgentSpec, Resolutions, type RunOutput, ScriptedModel, Tool } from '@countersign/core'
import { Schema } from 'effect'
import type { CommandStartedEvent, MongoClient } from 'mongodb'

/** Commands that change documents. `bulkWrite` is the client-level bulk write of MongoDB 8. */
const writeCommands = new Set(['insert', 'update', 'delete', 'findAndModify', 'bulkWrite'])

const readCommands = new Set([
  'find',
  'getMore',
  'aggregate',
  'count',
  'distinct',
  'listCollections',
  'listIndexes',
  'listDatabases',
])

/** The driver's own traffic (handshake, authentication, liveness, session cleanup): not the store's work. */
const ignoredCommands = new Set([
  'hello',
  'isMaster',
  'ismaster',
  'ping',
  'buildInfo',
  'buildinfo',
  'endSessions',
  'saslStart',
  'saslContinue',
  'authenticate',
  'getnonce',
  'logout',
])

/** What a counted command does: changes documents, reads them, or anything else (indexes, drops, cursor cleanup). */
export type CommandKind = 'write' | 'read' | 'other'

/** The kind of a command by its name, or undefined for the driver's own traffic, which is not counted. */
export const commandKind = (commandName: string): CommandKind | undefined =>
  ignoredCommands.has(commandName)
    ? undefined
    : writeCommands.has(commandName)
      ? 'write'
      : readCommands.has(commandName)
        ? 'read'
        : 'other'

export interface CommandCounts {
  readonly writes: number
  readonly reads: number
  readonly other: number
  /** Each counted command by name, the most frequent first. */
  readonly byCommand: Readonly<Record<string, number>>
}

export interface CommandCounter {
  /** What was counted since the counter started or was last reset. */
  readonly snapshot: () => CommandCounts
  readonly reset: () => void
  /** A snapshot, then a reset: the counts of the phase that just ended. */
  readonly take: () => CommandCounts
  /** Stops listening to the client; counting again needs a new counter. */
  readonly stop: () => void
}

export interface CountOptions {
  /** Commands left out of the counts: say, a write the store makes off the measured path. */
  readonly except?: (event: CommandStartedEvent) => boolean
}

/**
 * The write of the events' mark, which a store sets off the path of its batches of events (at
 * once after a quiet spell, else once for those of the next 50 ms): not a cost of any one call.
 */
export const isEventsMark = ({ commandName, command }: CommandStartedEvent): boolean =>
  (commandName === 'update' || commandName === 'delete') && command[commandName] === 'counters'

/**
 * Counts the commands `client` sends from now on, as the driver starts them. The client must
 * have been created with `monitorCommands: true`: without it the driver emits no command events,
 * and every count would be a silent zero.
 */
export const countCommands = (client: MongoClient, options: CountOptions = {}): CommandCounter => {
  if (!client.options.monitorCommands)
    throw new Error('countCommands needs a MongoClient created with `monitorCommands: true`')
  let counts = new Map<string, number>()
  const listener = (event: CommandStartedEvent) => {
    const { commandName } = event
    if (commandKind(commandName) === undefined || options.except?.(event) === true) return
    counts.set(commandName, (counts.get(commandName) ?? 0) + 1)
  }
  client.on('commandStarted', listener)

  const snapshot = (): CommandCounts => {
    const byName = [...counts].sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    const total = (kind: CommandKind) =>
      byName.reduce((sum, [name, count]) => (commandKind(name) === kind ? sum + count : sum), 0)
    return {
      writes: total('write'),
      reads: total('read'),
      other: total('other'),
      byCommand: Object.fromEntries(byName),
    }
  }
  const reset = () => {
    counts = new Map()
  }
  return {
    snapshot,
    reset,
    take: () => {
      const taken = snapshot()
      reset()
      return taken
    },
    stop: () => void client.off('commandStarted', listener),
  }
}

/** Counts spread over `parts` (cycles, say): the average of each. */
export const divideCounts = (counts: CommandCounts, parts: number): CommandCounts => ({
  writes: counts.writes / parts,
  reads: counts.reads / parts,
  other: counts.other / parts,
  byCommand: Object.fromEntries(
    Object.entries(counts.byCommand).map(([name, count]) => [name, count / parts]),
  ),
})

/**
 * Counts as one line, each kind with its commands: `writes 3 (insert 2, update 1), reads 1 (find 1)`.
 * Averages (from `divideCounts`) keep two decimals.
 */
export const formatCounts = (counts: CommandCounts): string => {
  const round = (value: number) => String(Math.round(value * 100) / 100)
  const part = (label: string, kind: CommandKind, total: number) => {
    const names = Object.entries(counts.byCommand).filter(([name]) => commandKind(name) === kind)
    const listed = names.map(([name, count]) => `${name} ${round(count)}`).join(', ')
    return names.length === 0 ? `${label} ${round(total)}` : `${label} ${round(total)} (${listed})`
  }
  return [
    part('writes', 'write', counts.writes),
    part('reads', 'read', counts.reads),
    ...(counts.other === 0 ? [] : [part('other', 'other', counts.other)]),
  ].join(', ')
}

/**
 * The agent of a pause/resume cycle: its model calls the gated tool on every turn, so each resume
 * runs the tool once and pauses again. Each run of the tool is recorded in `executions`.
 */
export const cycler = (executions: Array<string> = []): AgentSpec => ({
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
})

/** Confirms every pending call of a paused run: what continues it for one more cycle. */
export const confirmAll = (paused: RunOutput) => ({
  runId: paused.runId,
  resolutions: paused.activeRequirements.map((requirement) => Resolutions.confirm(requirement.id)),
})
