import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'

const demoDir = fileURLToPath(new URL('..', import.meta.url))
const children: Array<ChildProcessWithoutNullStreams> = []

/**
 * Starts the demo as a real process, the way `pnpm start` does: tsx, with the workspace's
 * source condition so `@countersign/core` resolves to its TypeScript source.
 */
const startDemo = () => {
  const child = spawn(
    process.execPath,
    ['--conditions=@countersign/source', '--import', 'tsx', 'src/main.ts'],
    {
      cwd: demoDir,
      env: { ...process.env, NO_COLOR: '1' },
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

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill()
})

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
})
