import { mkdir, writeFile } from 'node:fs/promises'
import { cpus, loadavg } from 'node:os'

/** Progress, on stderr: stdout carries the report alone. */
export const say = (message: string) => process.stderr.write(`==> ${message}\n`)

/**
 * What the figures were taken on, and how busy it was: the load averages over the last 1, 5 and
 * 15 minutes. Timings taken while other work competes for the cores say more about that work.
 */
export const thisMachine = () => ({
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  loadAverage: loadavg().map((load) => Math.round(load * 100) / 100),
})

export const describeMachine = ({ node, cpu, cores, loadAverage }: ReturnType<typeof thisMachine>) =>
  `Node ${node}, ${cpu}, ${cores} cores, load average ${loadAverage.join(' ')}`

const resultsDir = new URL('../results/', import.meta.url)

/** Writes the report as JSON to `bench/results/<name>` (not committed). */
export const writeResults = async (name: string, report: unknown) => {
  await mkdir(resultsDir, { recursive: true })
  const file = new URL(name, resultsDir)
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`)
  say(`wrote ${file.pathname}`)
}

/** A benchmark's report: its title, lines saying how it was taken, the stores it ran on, and its table. */
export interface Report {
  readonly title: string
  readonly how: ReadonlyArray<string>
  readonly stores: Readonly<Record<string, string>>
  readonly table: string
}

/**
 * Prints the report, its title followed by the machine it ran on, and writes the figures with the
 * machine and the time to `bench/results/<name>`.
 */
export const publish = async (name: string, report: Report, figures: Record<string, unknown>) => {
  const machine = thisMachine()
  console.log(
    [
      `${report.title} (${describeMachine(machine)})`,
      ...report.how,
      ...Object.entries(report.stores).map(([store, description]) => `${store}: ${description}`),
      '',
      report.table,
    ].join('\n'),
  )
  await writeResults(name, { generatedAt: new Date().toISOString(), machine, ...figures })
}
