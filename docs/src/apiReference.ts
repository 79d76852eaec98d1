import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { format, resolveConfig } from 'prettier'
import { Application, Converter, ReflectionKind } from 'typedoc'
import type { PluginOptions } from 'typedoc-plugin-markdown'

const docsPackage = resolve(dirname(fileURLToPath(import.meta.url)), '..')

const packagesFolder = join(docsPackage, '..', 'packages')

/** A publishable package, as its folder under packages/ and its name. */
export interface DocumentedPackage {
  readonly folder: string
  readonly name: string
}

const manifestOf = (folder: string): { readonly name: string; readonly private?: boolean } | undefined => {
  const path = join(packagesFolder, folder, 'package.json')
  return existsSync(path)
    ? (JSON.parse(readFileSync(path, 'utf8')) as { name: string; private?: boolean })
    : undefined
}

/**
 * The packages whose public entry (`src/index.ts`) the reference documents: every package under packages/ that
 * is not private, so a new one is documented (and the staleness test fails until it is).
 */
export const documentedPackages: ReadonlyArray<DocumentedPackage> = readdirSync(packagesFolder, {
  withFileTypes: true,
})
  .filter((entry) => entry.isDirectory() && existsSync(join(packagesFolder, entry.name, 'src', 'index.ts')))
  .flatMap((entry) => {
    const manifest = manifestOf(entry.name)
    return manifest === undefined || manifest.private === true
      ? []
      : [{ folder: entry.name, name: manifest.name }]
  })
  .sort((a, b) => a.name.localeCompare(b.name))

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
    entryPoints: documentedPackages.map(({ folder }) => join(packagesFolder, folder, 'src', 'index.ts')),
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
  // Each entry point is named `<folder>/src`: name it as it is imported.
  const names = new Map(documentedPackages.map(({ folder, name }) => [`${folder}/src`, name]))
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const module of context.project.getChildrenByKind(ReflectionKind.Module)) {
      module.name = names.get(module.name) ?? module.name
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
