import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'

/** A fenced TypeScript example in a Markdown file: where it is, and its code. */
export interface CodeBlock {
  /** The Markdown file, relative to the repository's root. */
  readonly file: string
  /** The line of the block's first line of code (1-based), for error reports. */
  readonly line: number
  readonly code: string
}

const opening = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/
const typeScript = new Set(['ts', 'typescript'])

/** Every ```ts and ```typescript block of one Markdown text, in order. */
export const codeBlocksOf = (file: string, text: string): Array<CodeBlock> => {
  const blocks: Array<CodeBlock> = []
  const lines = text.split('\n')
  for (let index = 0; index < lines.length; index++) {
    const open = opening.exec(lines[index]!)
    if (!open) continue
    const [, indent, fence, language] = open
    const body: Array<string> = []
    let end = index + 1
    // A fence closes with at least as many of its own characters; an unclosed one runs to the end.
    while (end < lines.length && !lines[end]!.trimStart().startsWith(fence!)) {
      body.push(lines[end]!.slice(Math.min(indent!.length, lines[end]!.search(/\S|$/))))
      end++
    }
    if (typeScript.has(language!.toLowerCase())) blocks.push({ file, line: index + 2, code: body.join('\n') })
    index = end
  }
  return blocks
}

/** The Markdown files whose examples are tested: the root README and every guide under docs/ (not the generated API reference). */
export const markdownFiles = (root: string): Array<string> => {
  const found = [join(root, 'README.md')]
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) {
        if (!['node_modules', 'api'].includes(entry.name) && !entry.name.startsWith('.')) walk(path)
      } else if (entry.name.endsWith('.md')) found.push(path)
    }
  }
  walk(join(root, 'docs'))
  return found.map((path) => relative(root, path)).sort()
}

/** The TypeScript examples of every documented Markdown file under `root`. */
export const documentedCodeBlocks = (root: string): Array<CodeBlock> =>
  markdownFiles(root).flatMap((file) => codeBlocksOf(file, readFileSync(join(root, file), 'utf8')))

/** A file name for a block that says where it came from: `docs-guides-tools.md-L42.ts`. */
export const moduleNameOf = (block: CodeBlock): string =>
  `${block.file.replace(/[\\/]/g, '-')}-L${block.line}.ts`
