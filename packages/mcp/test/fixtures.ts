import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach } from 'vitest'
export * from './servers/addresses.js'

/** The calls a hostile server received, in order. */
export const ledgerCalls = (
  ledger: string,
): Array<{ name: string; args: unknown; meta: Record<string, unknown> }> => {
  const text = (() => {
    try {
      return readFileSync(ledger, 'utf8')
    } catch {
      return ''
    }
  })()
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as never)
}

/** A fresh directory for one test, removed after it, with things to release after it too. */
export const sandboxes = () => {
  const cleanups: Array<() => Promise<void> | void> = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })
  return {
    directory: (files: Readonly<Record<string, string>> = {}) => {
      const directory = mkdtempSync(join(tmpdir(), 'countersign-mcp-'))
      for (const [name, content] of Object.entries(files)) writeFileSync(join(directory, name), content)
      cleanups.push(() => rmSync(directory, { recursive: true, force: true }))
      return directory
    },
    later: (cleanup: () => Promise<void> | void) => cleanups.push(cleanup),
  }
}
