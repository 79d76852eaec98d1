import { mkdir, writeFile } from 'node:fs/promises'
import { cpus } from 'node:os'

/** Progress, on stderr: stdout carries the report alone. */
export const say = (message: string) => process.stderr.write(`==> ${message}\n`)

/** What the figures were taken on. */
export const thisMachine = () => ({
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
})

export const describeMachine = ({ node, cpu, cores }: ReturnType<typeof thisMachine>) =>
  `Node ${node}, ${cpu}, ${cores} cores`

const resultsDir = new URL('../results/', import.meta.url)

/** Writes the report as JSON to `bench/results/<name>` (not committed). */
export const writeResults = async (name: string, report: unknown) => {
  await mkdir(resultsDir, { recursive: true })
  const file = new URL(name, resultsDir)
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`)
  say(`wrote ${file.pathname}`)
}
