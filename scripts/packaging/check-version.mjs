// Runs `changeset version` in a throwaway copy of the workspace (argv[2]) and checks what it wrote against what its
// changesets ask for: each package a changeset names gets exactly the bump it asks for (the largest, when several
// do), with a CHANGELOG.md section for that version holding each changeset's summary; a package bumped because a
// workspace dependency changed names it in its changelog; nothing else changes version; every changeset is consumed.
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'

const root = process.argv[2]
const order = ['patch', 'minor', 'major']

/** Ends the check with what is wrong, and no stack trace. */
const fail = (problems) => {
  console.error(problems.join('\n'))
  process.exit(1)
}

const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'))

/** name → { dir, version } for every package the workspace file lists. */
const workspacePackages = () => {
  const globs = [...readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8').matchAll(/^ {2}- (\S+)$/gm)].map(
    (m) => m[1],
  )
  const dirs = globs.flatMap((glob) =>
    glob.endsWith('/*')
      ? readdirSync(join(root, glob.slice(0, -2)), { withFileTypes: true })
          .filter((entry) => entry.isDirectory())
          .map((entry) => join(glob.slice(0, -2), entry.name))
      : [glob],
  )
  return new Map(
    dirs
      .filter((dir) => existsSync(join(root, dir, 'package.json')))
      .map((dir) => {
        const manifest = readJson(join(root, dir, 'package.json'))
        return [manifest.name, { dir, version: manifest.version }]
      }),
  )
}

/** The changesets waiting in .changeset/: the bumps each asks for, and the first line of its summary. */
const changesets = () =>
  readdirSync(join(root, '.changeset'))
    .filter((file) => file.endsWith('.md') && file !== 'README.md')
    .map((file) => {
      const [, front, body] = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(
        readFileSync(join(root, '.changeset', file), 'utf8'),
      )
      const bumps = [...front.matchAll(/^['"]?([^'":]+)['"]?: (patch|minor|major)$/gm)].map((m) => [
        m[1],
        m[2],
      ])
      return { file, bumps, summary: body.trim().split('\n')[0] }
    })

/** Semver's increment, as changesets applies it (a major on 0.x goes to 1.0.0). */
const bump = (version, type) => {
  const [major, minor, patch] = version.split('.').map(Number)
  if (type === 'major') return `${major + 1}.0.0`
  if (type === 'minor') return `${major}.${minor + 1}.0`
  return `${major}.${minor}.${patch + 1}`
}

const before = workspacePackages()
const pending = changesets()
if (pending.length === 0) fail(['no changeset to version'])
const asked = new Map()
for (const { bumps } of pending)
  for (const [name, type] of bumps) {
    if (!before.has(name)) fail([`a changeset names ${name}, which is not in the workspace`])
    if (order.indexOf(type) > order.indexOf(asked.get(name) ?? 'patch') || !asked.has(name))
      asked.set(name, type)
  }

const changeset = createRequire(join(process.cwd(), 'package.json')).resolve('@changesets/cli/bin.js')
execFileSync(process.execPath, [changeset, 'version'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] })

const after = workspacePackages()
const problems = []
const bumpedTo = [...before]
  .filter(([name, { version }]) => after.get(name).version !== version)
  .map(([name]) => `${name}@${after.get(name).version}`)
for (const [name, { dir, version }] of before) {
  const now = after.get(name).version
  const changelogPath = join(root, dir, 'CHANGELOG.md')
  const changelog = existsSync(changelogPath) ? readFileSync(changelogPath, 'utf8') : ''
  const section = changelog.split(/^## /m).find((part) => part.startsWith(`${now}\n`)) ?? ''
  if (asked.has(name)) {
    const expected = bump(version, asked.get(name))
    if (now !== expected) problems.push(`${name}: ${version} → ${now}, expected ${expected}`)
    if (section === '') problems.push(`${name}: CHANGELOG.md has no section for ${now}`)
    for (const { file, bumps, summary } of pending)
      if (bumps.some(([named]) => named === name) && !section.includes(summary))
        problems.push(`${name}: the ${now} changelog lacks ${file}'s summary`)
  } else if (now !== version) {
    if (now !== bump(version, 'patch')) problems.push(`${name}: ${version} → ${now}, named by no changeset`)
    else if (!bumpedTo.some((dependency) => section.includes(dependency)))
      problems.push(`${name}: bumped to ${now} without naming the dependency that changed`)
  }
}
const left = changesets().map(({ file }) => file)
if (left.length > 0) problems.push(`changesets left unconsumed: ${left.join(', ')}`)

if (problems.length > 0) fail(problems)
console.log(`changeset version: ${pending.length} changesets → ${bumpedTo.join(', ')}`)
