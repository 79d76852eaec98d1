import { Schema } from 'effect'
import { describe, expect, it } from 'vitest'
import { Agent, MemoryStore, Model, ModelError, type RunStore, Tool } from '../src/index.js'
import { makeLedger, single, type Ledger } from './fixtures.js'

/*
 * A model failure loses no progress: when the model fails, in a way asking again may fix, after a
 * person decided and a tool ran, the run pauses on a `model_failure` requirement. Taken up again
 * (in another process, say), the model is asked again from where the run stopped: nothing already
 * executed runs again, and no decision is asked for twice.
 */

const refund = (ledger: Ledger) =>
  Tool.make({
    name: 'refund',
    description: 'Refund an order',
    parameters: Schema.Struct({ orderId: Schema.String }),
    requiresConfirmation: true,
    execute: ({ orderId }, ctx) => {
      ledger.record('refund', { orderId }, ctx.idempotencyKey)
      return `refunded ${orderId}`
    },
  })

/**
 * A model that asks for a refund, then fails `failures` times on the turn after it (a 503 its
 * client gave up on), then reports what the tool said. Every request it received is kept.
 */
const flakyModel = (failures: number, fault: Partial<ModelError> = {}) => {
  const requests: Array<Model.ModelRequest> = []
  let failed = 0
  const model = Model.fromAsyncIterable('flaky', async function* (request): AsyncIterable<Model.ModelChunk> {
    requests.push(request)
    const last = request.messages.at(-1)
    if (last?._tag !== 'Tool') {
      yield { _tag: 'ToolCall', call: { id: 'call_1', name: 'refund', args: { orderId: 'A-1' } } }
      return
    }
    if (failed < failures) {
      failed += 1
      yield { _tag: 'TextDelta', text: 'Refun' }
      throw new ModelError({
        model: 'flaky',
        reason: 'the server answered 503 Service Unavailable',
        status: 503,
        code: 'server_error',
        retryable: true,
        ...fault,
      })
    }
    yield { _tag: 'TextDelta', text: `Done: ${last.content}` }
  })
  return { model, requests }
}

const agentOn = (store: RunStore, ledger: Ledger, model: Model.Model) =>
  new Agent({ id: 'support', model, tools: [refund(ledger)], store })

/** A run confirmed, its tool run, and its next model turn failed: paused on the model failure. */
const failedAfterTheTool = async (failures = 1) => {
  const store = MemoryStore.make()
  const ledger = makeLedger()
  const { model, requests } = flakyModel(failures)
  const first = agentOn(store, ledger, model)
  const paused = await first.run('refund A-1')
  single(paused.activeRequirements).confirm()
  const stopped = await first.continueRun(paused)
  return { store, ledger, model, requests, stopped }
}

describe('a model failure that asking again may fix', () => {
  it('pauses the run on a model_failure requirement, after the tool ran once', async () => {
    const { ledger, stopped } = await failedAfterTheTool()
    expect(stopped.status).toBe('paused')
    const failure = single(stopped.activeRequirements)
    expect(failure.kind).toBe('model_failure')
    expect(failure.request).toMatchObject({
      model: 'flaky',
      reason: 'the server answered 503 Service Unavailable',
      status: 503,
      code: 'server_error',
    })
    expect(ledger.count('refund')).toBe(1)
  })

  it('taken up again in a new process, asks the model again from where it stopped: no tool runs twice, no decision is asked again', async () => {
    const { store, ledger, model, requests, stopped } = await failedAfterTheTool()
    const failure = single(stopped.activeRequirements)
    failure.confirm()
    const fresh = agentOn(store, ledger, model)
    const done = await fresh.continueRun(stopped)
    expect(done.status).toBe('completed')
    expect(done.content).toBe('Done: refunded A-1')
    expect(ledger.count('refund')).toBe(1)
    expect(done.requirements.map((requirement) => requirement.kind)).toEqual([
      'confirmation',
      'model_failure',
    ])
    // The retried turn is shown the same transcript as the failed one: the tool's result included.
    expect(requests).toHaveLength(3)
    expect(requests[2]!.messages).toEqual(requests[1]!.messages)
  })

  it('fails the run with the model error when a person declines to ask again', async () => {
    const { store, ledger, model, stopped } = await failedAfterTheTool()
    single(stopped.activeRequirements).reject()
    const ended = await agentOn(store, ledger, model).continueRun(stopped)
    expect(ended.status).toBe('failed')
    expect(ended.error).toBe('Model "flaky" failed: the server answered 503 Service Unavailable')
    expect(ledger.count('refund')).toBe(1)
  })

  it('pauses again if the model fails again, and goes on once it answers', async () => {
    const { store, ledger, model, stopped } = await failedAfterTheTool(2)
    single(stopped.activeRequirements).confirm()
    const again = await agentOn(store, ledger, model).continueRun(stopped)
    expect(again.status).toBe('paused')
    single(again.activeRequirements).confirm()
    const done = await agentOn(store, ledger, model).continueRun(again)
    expect(done.status).toBe('completed')
    expect(ledger.count('refund')).toBe(1)
  })
})

describe('a model failure that asking again would not fix', () => {
  it('fails the run at once, the tool having run once', async () => {
    const store = MemoryStore.make()
    const ledger = makeLedger()
    const strict = flakyModel(1, { status: 400, code: 'invalid_request_error', retryable: false })
    const paused = await agentOn(store, ledger, strict.model).run('refund A-1')
    single(paused.activeRequirements).confirm()
    const ended = await agentOn(store, ledger, strict.model).continueRun(paused)
    expect(ended.status).toBe('failed')
    expect(ended.error).toContain('503 Service Unavailable')
    expect(ledger.count('refund')).toBe(1)
  })
})
