import { describe, expect, it } from 'vitest'
import { HeldPauses, heldPauseOf } from '../src/internal/heldPauses.js'
import { RequirementRecord } from '../src/Requirement.js'
import { sampleRequirement, sampleRun, sampleTranscript } from '../src/testing/index.js'

const pauseOf = (runId: string, text = 'hello') =>
  heldPauseOf(
    sampleRun(runId, { status: 'paused', pendingRequirementIds: [] }),
    [{ _tag: 'User', content: text }],
    [],
  )

describe('HeldPauses', () => {
  it('holds the latest pauses up to its limit, oldest dropped first, and gives each up once', () => {
    const held = new HeldPauses({ pauses: 2, size: Number.POSITIVE_INFINITY })
    for (const runId of ['run-1', 'run-2', 'run-3']) held.keep(pauseOf(runId))
    expect(held.take('run-1')).toBeUndefined()
    expect(held.take('run-2')?.record.runId).toBe('run-2')
    expect(held.take('run-2')).toBeUndefined()
    expect(held.take('run-3')?.record.runId).toBe('run-3')
  })

  it('drops the oldest pauses once their transcripts pass its size, and a pause larger than it is not held', () => {
    const one = pauseOf('run-1', 'x'.repeat(100))
    const held = new HeldPauses({ pauses: 10, size: one.size * 2 })
    for (const runId of ['run-1', 'run-2', 'run-3']) held.keep(pauseOf(runId, 'x'.repeat(100)))
    held.keep(pauseOf('run-4', 'x'.repeat(1000)))
    expect(['run-1', 'run-2', 'run-3', 'run-4'].map((runId) => held.take(runId)?.record.runId)).toStrictEqual(
      [undefined, undefined, undefined, undefined],
    )
    held.keep(pauseOf('run-5', 'x'.repeat(100)))
    held.keep(pauseOf('run-6', 'x'.repeat(100)))
    expect(held.take('run-5')?.record.runId).toBe('run-5')
    expect(held.take('run-6')?.record.runId).toBe('run-6')
  })

  it("copies the pause's transcript and requirements: changing what was published changes nothing held", () => {
    const requirement = sampleRequirement('run-1', 'req-1')
    const messages = sampleTranscript()
    const pause = heldPauseOf(
      sampleRun('run-1', { status: 'paused', pendingRequirementIds: ['req-1'] }),
      messages,
      [requirement],
    )
    expect(pause.requirements[0]).toBeInstanceOf(RequirementRecord)
    expect(pause.requirements[0]).toStrictEqual(requirement)
    expect(pause.messages).toStrictEqual(messages)
    ;(requirement.toolCall.args as Record<string, unknown>).amount = 1_000_000
    ;(messages[0] as { content: string }).content = 'forged'
    expect(pause.requirements[0]!.toolCall.args).not.toHaveProperty('amount', 1_000_000)
    expect(pause.messages[0]).not.toHaveProperty('content', 'forged')
  })
})
