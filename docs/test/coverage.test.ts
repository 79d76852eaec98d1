/**
 * The reference parts of the guides that list what the code has: every built-in requirement kind is in the
 * requirements guide's table, and every run event is named in the concepts guide. A kind or an event added
 * to the core without its documentation fails here.
 */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as Core from '@countersign/core'
import { SchemaAST } from 'effect'
import { expect, it } from 'vitest'

const guides = join(dirname(fileURLToPath(import.meta.url)), '..', 'guides')
const guide = (name: string) => readFileSync(join(guides, name), 'utf8')

const isPlugin = (value: unknown): value is Core.RequirementPlugin.AnyRequirementPlugin =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { kind?: unknown }).kind === 'string' &&
  typeof (value as { answers?: unknown }).answers === 'string' &&
  typeof (value as { need?: unknown }).need === 'function'

it('the requirements guide lists every built-in requirement kind, with its plugin', () => {
  const plugins = Object.entries(Core as Record<string, unknown>).flatMap(([exported, value]) =>
    isPlugin(value) ? [[exported, value] as const] : [],
  )
  expect(plugins.map(([, plugin]) => plugin.kind)).toContain('step_output_review')
  const text = guide('requirements.md')
  const undocumented = plugins.filter(
    ([exported, plugin]) => !new RegExp(`\\| \`${plugin.kind}\` +\\| \`${exported}\` +\\|`).test(text),
  )
  expect(undocumented.map(([exported, plugin]) => `${plugin.kind} (${exported})`)).toEqual([])
})

it('the concepts guide names every run event', () => {
  const tags = Core.RunEvent.members.map((member) => {
    const tag = SchemaAST.getPropertySignatures(member.ast).find(({ name }) => name === '_tag')?.type
    return tag !== undefined && SchemaAST.isLiteral(tag) ? String(tag.literal) : ''
  })
  expect(tags).toContain('RunPaused')
  const text = guide('concepts.md')
  expect(tags.filter((tag) => !text.includes(tag))).toEqual([])
})
