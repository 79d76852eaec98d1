/**
 * The committed API reference (docs/api) is what the packages' source generates today: a changed export or
 * doc comment without `pnpm --filter @countersign/docs api` fails here, naming the pages that differ.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { apiFolder, documentedPackages, generateApiReference } from '../src/apiReference.js'

const fresh = mkdtempSync(join(tmpdir(), 'countersign-api-'))
afterAll(() => rmSync(fresh, { recursive: true, force: true }))

const pages = (folder: string): Map<string, string> =>
  new Map(
    readdirSync(folder, { recursive: true, encoding: 'utf8' })
      .filter((path) => path.endsWith('.md'))
      .sort()
      .map((path) => [path, readFileSync(join(folder, path), 'utf8')]),
  )

it(
  'docs/api is up to date with the source (regenerate: pnpm --filter @countersign/docs api)',
  { timeout: 120_000 },
  async () => {
    await generateApiReference(fresh)
    const committed = pages(apiFolder)
    const generated = pages(fresh)
    const stale = [...new Set([...committed.keys(), ...generated.keys()])].filter(
      (page) => committed.get(page) !== generated.get(page),
    )
    expect(stale, 'pages that differ from what the source generates').toEqual([])
    const names = documentedPackages.map(({ name }) => name)
    expect(names).toContain('@countersign/core')
    expect(names.filter((name) => [...generated.keys()].some((page) => page.startsWith(name)))).toEqual(names)
  },
)
