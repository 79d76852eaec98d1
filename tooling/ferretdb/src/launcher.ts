/**
 * Building the FerretDB launcher (`../launcher`, a small Go program embedding FerretDB) with the local Go
 * toolchain, once: the binary is cached under a name derived from its sources.
 */
import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { chmod, mkdir, readFile, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { say } from './say.js'

/** The Go launcher's sources; their content names the cached binary. */
export const launcherDir = fileURLToPath(new URL('../launcher/', import.meta.url))
const launcherSources = ['go.mod', 'go.sum', 'main.go'] as const
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))

/**
 * Where built launchers are kept: `$COUNTERSIGN_FERRETDB_CACHE` if set, else
 * `node_modules/.cache/countersign-ferretdb/` at the repository root.
 */
export const launcherCacheDir = (): string =>
  process.env.COUNTERSIGN_FERRETDB_CACHE || join(repoRoot, 'node_modules', '.cache', 'countersign-ferretdb')

/** The launcher binary's path for the current sources (whether or not it is built yet). */
export const launcherPath = async (): Promise<string> => {
  const hash = createHash('sha256')
  for (const name of launcherSources) {
    hash.update(`${name}\0`)
    hash.update(await readFile(join(launcherDir, name)))
    hash.update('\0')
  }
  const exe = process.platform === 'win32' ? '.exe' : ''
  return join(launcherCacheDir(), `ferretdb-launcher-${hash.digest('hex').slice(0, 16)}${exe}`)
}

const isFile = async (path: string) => {
  try {
    return (await stat(path)).isFile()
  } catch {
    return false
  }
}

const goMissing = (goMod: string) => {
  const version = /^go (\S+)/m.exec(goMod)?.[1] ?? '1.24'
  return new Error(
    'The Go toolchain (`go`) was not found on PATH. The MongoDB tests build their FerretDB test server ' +
      `(tooling/ferretdb/launcher) with it on first use: install Go ${version} or newer from https://go.dev/dl/ ` +
      `and put its bin directory on PATH (a distribution's older Go 1.21+ also works: it fetches go${version} ` +
      'itself unless GOTOOLCHAIN=local). Or set MONGODB_URL to a MongoDB server the tests may use instead.',
  )
}

const build = async (target: string): Promise<void> => {
  await mkdir(launcherCacheDir(), { recursive: true })
  // Build beside the target, then rename: a concurrent build never sees a half-written binary.
  const partial = `${target}.partial-${process.pid}-${randomBytes(4).toString('hex')}`
  say(`building the FerretDB launcher (first run only): go build in ${launcherDir}`)
  const started = Date.now()
  const output: Buffer[] = []
  const goMod = await readFile(join(launcherDir, 'go.mod'), 'utf8')
  let spawnFailed = false
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(
        'go',
        ['build', '-mod=readonly', '-trimpath', '-buildvcs=false', '-o', partial, '.'],
        {
          cwd: launcherDir,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      )
      const collect = (chunk: Buffer) => {
        output.push(chunk)
        process.stderr.write(chunk) // "go: downloading ..." shows progress on a fresh machine
      }
      child.stdout.on('data', collect)
      child.stderr.on('data', collect)
      child.on('error', (error: NodeJS.ErrnoException) => {
        spawnFailed = true
        reject(error.code === 'ENOENT' ? goMissing(goMod) : error)
      })
      child.on('close', (code, signal) => {
        if (spawnFailed) return
        if (code === 0) resolve()
        else
          reject(
            new Error(
              `go build of the FerretDB launcher failed (${signal ?? `exit ${code}`}) in ${launcherDir}:\n` +
                Buffer.concat(output).toString(),
            ),
          )
      })
    })
    await chmod(partial, 0o755)
    await rename(partial, target)
  } finally {
    await rm(partial, { force: true })
  }
  say(`built the FerretDB launcher in ${((Date.now() - started) / 1000).toFixed(1)}s: ${target}`)
}

const builds = new Map<string, Promise<string>>()

/**
 * Builds the FerretDB launcher with `go build` unless a binary for the current sources is cached, and
 * returns its path. The binary is named by a hash of go.mod, go.sum and main.go, so editing them rebuilds.
 */
export const ensureLauncher = async (): Promise<string> => {
  const target = await launcherPath()
  let pending = builds.get(target)
  if (!pending) {
    pending = (async () => {
      if (!(await isFile(target))) await build(target)
      return target
    })()
    builds.set(target, pending)
    pending.catch(() => builds.delete(target))
  }
  return pending
}
