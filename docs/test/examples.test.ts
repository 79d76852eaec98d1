/**
 * Every TypeScript example of the README and the guides is a complete program: extracted into `.examples/`
 * (inside this package, so its imports resolve to the workspace packages), type-checked strictly as one
 * program, and run on its own with tsx, which must exit 0. A failure names the Markdown file and line.
 */
import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { type CodeBlock, documentedCodeBlocks, moduleNameOf } from './codeBlocks.js'

const docsPackage = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const root = resolve(docsPackage, '..')
const examples = join(docsPackage, '.examples')
const require = createRequire(import.meta.url)
const tsxLoader = pathToFileURL(require.resolve('tsx')).href
const tsc = require.resolve('typescript/bin/tsc')

const blocks = documentedCodeBlocks(root)
rmSync(examples, { recursive: true, force: true })
mkdirSync(examples, { recursive: true })
const byModule = new Map<string, CodeBlock>()
for (const block of blocks) {
  byModule.set(moduleNameOf(block), block)
  writeFileSync(join(examples, moduleNameOf(block)), `${block.code}\n`)
}
writeFileSync(
  join(examples, 'tsconfig.json'),
  JSON.stringify({ extends: '@countersign/tsconfig/base.json', include: ['*.ts'] }, null, 2),
)

interface Exit {
  readonly code: number | null
  readonly output: string
}

const run = (command: string, args: ReadonlyArray<string>, options: { cwd: string; timeout: number }) =>
  new Promise<Exit>((done) => {
    execFile(
      command,
      args,
      {
        ...options,
        killSignal: 'SIGKILL',
        maxBuffer: 16 * 1024 * 1024,
        env: { ...process.env, NO_COLOR: '1' },
      },
      (error, stdout, stderr) =>
        done({
          code: error ? (typeof error.code === 'number' ? error.code : null) : 0,
          output: `${stdout}${stderr}`,
        }),
    )
  })

/** tsc's `file(line,col): error …` lines, each pointed back at the Markdown line it came from. */
const pointedBack = (output: string): string =>
  output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const match = /^([^(]+\.ts)\((\d+),(\d+)\): (.*)$/.exec(line)
      const block = match && byModule.get(match[1]!)
      return block ? `${block.file}:${block.line + Number(match[2]) - 1}:${match[3]}: ${match[4]}` : line
    })
    .join('\n')

describe('documentation examples', () => {
  it('finds the examples of the README and the guides', () => {
    expect(blocks.filter((block) => block.file === 'README.md').length).toBeGreaterThan(0)
    expect(blocks.some((block) => block.file.startsWith('docs/'))).toBe(true)
  })

  it.concurrent('type-check strictly, as one program', { timeout: 120_000 }, async () => {
    const { code, output } = await run(process.execPath, [tsc, '-p', 'tsconfig.json', '--pretty', 'false'], {
      cwd: examples,
      timeout: 110_000,
    })
    expect(code, pointedBack(output)).toBe(0)
  })

  for (const [moduleName, block] of byModule) {
    it.concurrent(`${block.file}:${block.line} runs and exits 0`, { timeout: 60_000 }, async () => {
      // Each runs in a folder of its own, so a store's default file lands there and nowhere else.
      const cwd = mkdtempSync(join(tmpdir(), 'countersign-docs-'))
      try {
        const { code, output } = await run(
          process.execPath,
          ['--conditions=@countersign/source', '--import', tsxLoader, join(examples, moduleName)],
          { cwd, timeout: 50_000 },
        )
        expect(code, `${block.file}:${block.line} exited ${String(code)}:\n${output.slice(-4000)}`).toBe(0)
      } finally {
        rmSync(cwd, { recursive: true, force: true })
      }
    })
  }
})
