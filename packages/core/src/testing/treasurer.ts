import { type Duration, Schema } from 'effect'
import { Agent } from '../Runners.js'
import { approval } from '../Approval.js'
import type { RunStore } from '../RunStore.js'
import * as ScriptedModel from '../ScriptedModel.js'
import * as Tool from '../Tool.js'

/*
 * No vitest here: the suites' child processes build this agent too, outside any test runner.
 */

/** What the treasurer's model answers once its transfer has run. */
export const treasurerAnswer = 'Done: 40 moved.'

/**
 * The agent the store suites run: asked to move money, it calls `transfer`, which needs a
 * person's confirmation, then answers `treasurerAnswer`. Every execution of `transfer` is
 * reported to `onTransfer` with its idempotency key, so a test counts executions wherever they
 * happen: in an array in one process, in a file across several.
 */
export const treasurer = (options: {
  readonly store: RunStore
  /** Awaited before `transfer` returns: a process can die inside the call by never returning. */
  readonly onTransfer: (idempotencyKey: string) => void | Promise<void>
  /** What `transfer` waits for: the requester's confirmation (default), or an approver's sign-off. */
  readonly gate?: 'confirmation' | 'approval'
  /** How long its runs' writers hold their leases (the engine's default unless given). */
  readonly writerLease?: Duration.DurationInput
}): Agent => {
  const transfer = Tool.make({
    name: 'transfer',
    description: 'Move money between accounts',
    parameters: Schema.Struct({ amount: Schema.Number }),
    ...(options.gate === 'approval' ? { approval: approval() } : { requiresConfirmation: true }),
    execute: async ({ amount }, ctx) => {
      await options.onTransfer(ctx.idempotencyKey)
      return `moved ${amount}`
    },
  })
  // A list, not a function: the script follows the stored transcript, so a run continued in a
  // fresh process gets the same answers.
  const model = ScriptedModel.make([
    { content: 'Moving it now.', toolCalls: [{ name: 'transfer', args: { amount: 40 } }] },
    treasurerAnswer,
  ])
  return new Agent({
    id: 'treasurer',
    model,
    tools: [transfer],
    store: options.store,
    ...(options.writerLease === undefined ? {} : { writerLease: options.writerLease }),
  })
}
