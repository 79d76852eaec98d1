import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type {} from '@countersign/ferretdb-harness/globalSetup' // types `inject('mongodbUrl')`
import { Agent, ScriptedModel, type RunStore } from '@countersign/core'
import { MongoStore } from '@countersign/mongodb'
import { SqliteStore } from '@countersign/sqlite'
import { Effect } from 'effect'
import { MongoClient } from 'mongodb'
import { afterEach, describe, expect, inject, it } from 'vitest'

const demoDir = fileURLToPath(new URL('..', import.meta.url))
const children: Array<ChildProcessWithoutNullStreams> = []
const cleanups: Array<() => Promise<void> | void> = []

/** A SQLite file of the test's own, so that the demo's runs do not land in apps/demo/.countersign. */
const tempDatabase = () => {
  const directory = mkdtempSync(join(tmpdir(), 'countersign-demo-'))
  cleanups.push(() => rmSync(directory, { recursive: true, force: true }))
  return join(directory, 'countersign.db')
}

/**
 * Starts the demo as a real process, the way `pnpm start` does: tsx, with the workspace's
 * source condition so `@countersign/core` resolves to its TypeScript source. `store` is the
 * environment that picks its store: by default a SQLite file of its own, whatever MONGODB_URL the
 * tests run with.
 */
const startDemo = (
  store: { COUNTERSIGN_DB: string } | { MONGODB_URL: string } = { COUNTERSIGN_DB: tempDatabase() },
) => {
  const { MONGODB_URL: _shared, COUNTERSIGN_DB: _own, ...inherited } = process.env
  const child = spawn(
    process.execPath,
    ['--conditions=@countersign/source', '--import', 'tsx', 'src/main.ts'],
    {
      cwd: demoDir,
      env: { ...inherited, NO_COLOR: '1', ...store },
    },
  )
  children.push(child)
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve))

  /** Resolves once `text` has appeared on stdout; rejects if the demo exits first. */
  const waitFor = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!stdout.includes(text)) return
        child.stdout.off('data', check)
        resolve()
      }
      child.stdout.on('data', check)
      check()
      void exited.then(() => {
        child.stdout.off('data', check)
        if (!stdout.includes(text))
          reject(
            new Error(
              `the demo exited before printing "${text}"\n--- stdout\n${stdout}\n--- stderr\n${stderr}`,
            ),
          )
      })
    })

  const answer = (line: string) => void child.stdin.write(`${line}\n`)
  const closeInput = () => void child.stdin.end()
  return { waitFor, answer, closeInput, exited, stdout: () => stdout, stderr: () => stderr }
}

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill()
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** The id the demo printed for its run. */
const runIdIn = (stdout: string) => /^\[run\] (\S+) started/m.exec(stdout)?.[1] ?? ''

/** The run as another process sharing the store sees it, through an agent of the same id. */
const readRun = async (store: RunStore, runId: string) => {
  const agent = new Agent({ id: 'support', model: ScriptedModel.make([]), store })
  try {
    return await agent.getRun(runId)
  } finally {
    await agent.dispose()
  }
}

/** The URL of the test server with `name` as its database. */
const withDatabase = (url: string, name: string) =>
  url.replace(/^([a-z+]+:\/\/[^/?]*)\/?[^?]*/i, `$1/${name}`)

describe('the terminal demo', () => {
  it('pauses before the refund, shows it, and refunds once approved', async () => {
    const demo = startDemo()
    await demo.waitFor('Approve? [y/n]')
    const beforeAnswer = demo.stdout()
    expect(beforeAnswer).toContain('[run] paused: 1 decision(s) needed')
    expect(beforeAnswer).toContain('[confirmation] refund_payment {"orderId":"A-1001","amount":42.5}')
    // The harmless lookup ran right away; the refund did not.
    expect(beforeAnswer).toContain('<- lookup_order')
    expect(beforeAnswer).not.toContain('<- refund_payment')

    demo.answer('y')
    expect(await demo.exited, demo.stderr()).toBe(0)
    const output = demo.stdout()
    expect(output).toContain('[run] continued')
    expect(output).toContain('<- refund_payment {"refunded":42.5')
    expect(output).toContain('[run] completed')
    expect(output).toContain('Final answer: Done: I refunded $42.50 for order A-1001 to your card.')
  })

  it('skips the refund when rejected and tells the model why', async () => {
    const demo = startDemo()
    await demo.waitFor('Approve? [y/n]')
    demo.answer('n')
    await demo.waitFor('Note for the agent (optional):')
    demo.answer('The customer already got a replacement.')

    expect(await demo.exited, demo.stderr()).toBe(0)
    const output = demo.stdout()
    expect(output).toContain('"approved":false')
    expect(output).not.toContain('<- refund_payment')
    expect(output).toContain(
      'Final answer: I have not refunded order A-1001: the refund was declined. Reason given: The customer already got a replacement.',
    )
  })

  it('asks again on an unclear answer, and exits with a message when input closes unanswered', async () => {
    const demo = startDemo()
    await demo.waitFor('Approve? [y/n]')
    demo.answer('maybe')
    await demo.waitFor('Approve? [y/n] maybe\nApprove? [y/n]')
    demo.closeInput()

    expect(await demo.exited).toBe(2)
    expect(demo.stderr()).toContain('No answer: standard input closed while a decision was pending.')
    expect(demo.stdout()).not.toContain('[run] completed')
  })

  it('keeps its runs in a local SQLite file: a run left paused is found there, still waiting, by another process', async () => {
    const path = tempDatabase()
    const demo = startDemo({ COUNTERSIGN_DB: path })
    await demo.waitFor('Approve? [y/n]')
    expect(demo.stdout()).toContain(`[store] SQLite file ${path}`)
    demo.closeInput()
    expect(await demo.exited).toBe(2)

    const store = SqliteStore.make({ path })
    cleanups.push(store.close)
    const run = await readRun(store, runIdIn(demo.stdout()))
    expect(run.status).toBe('paused')
    expect(run.activeRequirements.map(({ kind, toolCall }) => [kind, toolCall.name])).toStrictEqual([
      ['confirmation', 'refund_payment'],
    ])
  })

  it('keeps its runs in MongoDB when MONGODB_URL is set', async () => {
    const url = inject('mongodbUrl')
    const dbName = `countersign_demo_${randomBytes(6).toString('hex')}`
    cleanups.push(async () => {
      const client = new MongoClient(url, { serverSelectionTimeoutMS: 5_000 })
      await client.db(dbName).dropDatabase()
      await client.close()
    })
    const demo = startDemo({ MONGODB_URL: withDatabase(url, dbName) })
    await demo.waitFor('Approve? [y/n]')
    expect(demo.stdout()).toContain(`[store] MongoDB (MONGODB_URL), database "${dbName}"`)
    demo.answer('y')
    expect(await demo.exited, demo.stderr()).toBe(0)
    expect(demo.stdout()).toContain('[run] completed')

    const run = await Effect.runPromise(
      Effect.scoped(
        Effect.flatMap(MongoStore.make({ url, dbName }), (store) =>
          Effect.promise(() => readRun(store, runIdIn(demo.stdout()))),
        ),
      ),
    )
    expect(run.status).toBe('completed')
  })
})
