import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { format, resolveConfig } from 'prettier'
import { Application, Converter, ReflectionKind } from 'typedoc'
import type { PluginOptions } from 'typedoc-plugin-markdown'

const docsPackage = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/** The publishable packages whose public entry (`src/index.ts`) the reference documents. */
export const documentedPackages = [
  'core',
  'sqlite',
  'mongodb',
  'server',
  'client',
  'openai',
  'ai-sdk',
  'policies',
  'cli',
] as const

/** Where the committed reference lives. */
export const apiFolder = join(docsPackage, 'api')

/** One page per package (and per namespace it exports), each entry page a README that GitHub shows. */
const markdown: Partial<PluginOptions> = { outputFileStrategy: 'modules', entryFileName: 'README.md' }

/**
 * Writes the API reference, one Markdown page per package, into `out`: what each package's `src/index.ts`
 * exports, with its doc comments as they are in the source.
 */
export const generateApiReference = async (out: string): Promise<void> => {
  const app = await Application.bootstrapWithPlugins({
    entryPoints: documentedPackages.map((name) =>
      join(docsPackage, '..', 'packages', name, 'src', 'index.ts'),
    ),
    tsconfig: join(docsPackage, 'tsconfig.api.json'),
    plugin: ['typedoc-plugin-markdown'],
    out,
    name: 'Countersign API reference',
    readme: 'none',
    ...markdown,
    excludePrivate: true,
    excludeInternal: true,
    excludeExternals: true,
    // The packages' own typecheck owns type errors; the reference only reads the declarations.
    skipErrorChecking: true,
    disableSources: true,
    logLevel: 'Warn',
  })
  // Each entry point is `<package>/src`: name it as it is imported.
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const module of context.project.getChildrenByKind(ReflectionKind.Module)) {
      module.name = `@countersign/${module.name.split('/')[0]!}`
    }
  })
  const project = await app.convert()
  if (!project) throw new Error('typedoc could not read the packages')
  await app.generateOutputs(project)
  // Formatted as the repository formats Markdown, so the format check passes on the committed pages.
  for (const page of readdirSync(out, { recursive: true, encoding: 'utf8' }).filter((path) =>
    path.endsWith('.md'),
  )) {
    const path = join(out, page)
    const options = await resolveConfig(path)
    writeFileSync(path, await format(readFileSync(path, 'utf8'), { ...options, filepath: path }))
  }
}
