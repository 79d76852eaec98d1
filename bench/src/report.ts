import { formatCounts, type CommandCounts } from '@countersign/mongodb/testing'
import type { Latency } from './stats.js'
import type { StoreName } from './stores.js'

export type Variant = 'sequential' | 'concurrent'

/** One store and variant's figures, as printed and as written to the JSON file. */
export interface Result {
  readonly store: StoreName
  readonly variant: Variant
  readonly runs: number
  readonly cyclesPerRun: number
  readonly cycles: number
  readonly seconds: number
  readonly cyclesPerSecond: number
  readonly latency: Latency
  /** Cycles per second over the memory store's in the same variant (1 for the memory store). */
  readonly vsMemory: number | undefined
  /** Average commands per cycle, where the store's commands are counted. */
  readonly commandsPerCycle: CommandCounts | undefined
}

export const fixed = (value: number, digits: number) => value.toFixed(digits)

/** The first `textColumns` columns left-aligned, for text; the others right-aligned, for figures. */
export const table = (
  header: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<string>>,
  textColumns = 2,
) => {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
  )
  const line = (cells: ReadonlyArray<string>) =>
    cells
      .map((cell, column) =>
        column < textColumns ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!),
      )
      .join('  ')
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n')
}

export const render = (results: ReadonlyArray<Result>): string => {
  const figures = table(
    [
      'store',
      'variant',
      'runs×cycles',
      'cycles/s',
      'vs memory',
      'mean ms',
      'p50 ms',
      'p99 ms',
      'first 10% ms',
      'last 10% ms',
    ],
    results.map((result) => [
      result.store,
      result.variant,
      `${result.runs}×${result.cyclesPerRun}`,
      fixed(result.cyclesPerSecond, 1),
      result.vsMemory === undefined ? '-' : `${fixed(result.vsMemory, 3)}×`,
      fixed(result.latency.meanMs, 2),
      fixed(result.latency.p50Ms, 2),
      fixed(result.latency.p99Ms, 2),
      fixed(result.latency.firstTenthMs, 2),
      fixed(result.latency.lastTenthMs, 2),
    ]),
  )
  const commands = results.flatMap((result) =>
    result.commandsPerCycle === undefined
      ? []
      : [`  ${result.store} ${result.variant}: ${formatCounts(result.commandsPerCycle)}`],
  )
  return commands.length === 0 ? figures : [figures, '', 'Commands per cycle:', ...commands].join('\n')
}
