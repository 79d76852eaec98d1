import {
  Agent,
  MemoryStore,
  NotAllowedToResolve,
  PolicyFailed,
  Principal,
  type RunOutput,
  ScriptedModel,
  Tool,
  type Policy,
} from '@countersign/core'
import { Effect, Schema } from 'effect'
import { expect } from 'vitest'

/** Counts executions per tool, with the arguments they ran with. */
export const makeLedger = () => {
  const calls: Array<{ tool: string; args: unknown }> = []
  return {
    calls,
    count: (tool: string) => calls.filter((call) => call.tool === tool).length,
    record: (tool: string, args: unknown) => void calls.push({ tool, args }),
  }
}
export type Ledger = ReturnType<typeof makeLedger>

/**
 * Refunds an order. The amount is loosely typed on purpose, so calls with a missing or
 * non-numeric amount reach the policies (a strict schema would only refuse them when run).
 */
export const refundTool = (ledger: Ledger, flags: Tool.HitlFlags = {}) =>
  Tool.make({
    name: 'process_refund',
    description: 'Refund an order',
    parameters: Schema.Struct({
      orderId: Schema.String,
      amount: Schema.optional(Schema.Union(Schema.Number, Schema.String)),
    }),
    ...flags,
    execute: (args) => {
      ledger.record('process_refund', args)
      return `refunded ${String(args.amount)} on ${args.orderId}`
    },
  })

/** Sends money elsewhere: a second tool with an amount, for policies scoped to some tools. */
export const payoutTool = (ledger: Ledger, flags: Tool.HitlFlags = {}) =>
  Tool.make({
    name: 'send_payout',
    description: 'Pay a supplier',
    parameters: Schema.Struct({ supplier: Schema.String, amount: Schema.Number }),
    ...flags,
    execute: (args) => {
      ledger.record('send_payout', args)
      return `paid ${args.amount} to ${args.supplier}`
    },
  })

/** A harmless tool without an amount. */
export const lookupTool = (ledger: Ledger, flags: Tool.HitlFlags = {}) =>
  Tool.make({
    name: 'lookup_order',
    description: 'Look an order up',
    parameters: Schema.Struct({ orderId: Schema.String }),
    ...flags,
    execute: (args) => {
      ledger.record('lookup_order', args)
      return { orderId: args.orderId, status: 'delivered' }
    },
  })

/** A model turn that makes one tool call. */
export const oneCall = (name: string, args: Readonly<Record<string, unknown>>): ScriptedModel.Turn => ({
  toolCalls: [{ name, args }],
})

/** A refund call, then the model's closing words. */
export const refundScript = (args: Readonly<Record<string, unknown>>): ReadonlyArray<ScriptedModel.Turn> => [
  oneCall('process_refund', { orderId: 'A-1', ...args }),
  'Done.',
]

/** An agent on a scripted model and a fresh memory store, with the refund tools. */
export const makeAgent = (
  script: ReadonlyArray<ScriptedModel.Turn>,
  policies: ReadonlyArray<Policy.Policy>,
  options: {
    readonly ledger?: Ledger
    readonly tools?: (ledger: Ledger) => ReadonlyArray<Tool.Tool>
    /** The deployment's own rule against approving one's own calls relaxed, so that policies draw the line. */
    readonly allowSelfApproval?: boolean
  } = {},
) => {
  const ledger = options.ledger ?? makeLedger()
  const model = ScriptedModel.make(script)
  const tools = options.tools?.(ledger) ?? [refundTool(ledger), payoutTool(ledger), lookupTool(ledger)]
  const agent = new Agent({
    id: 'support',
    model,
    tools,
    policies,
    store: MemoryStore.make(),
    ...(options.allowSelfApproval === undefined ? {} : { allowSelfApproval: options.allowSelfApproval }),
  })
  return { agent, model, ledger }
}

export const requester = new Principal({ id: 'rita', roles: ['approver'] })
export const approver = new Principal({ id: 'ana', roles: ['approver'] })
export const financeApprover = new Principal({ id: 'fiona', roles: ['approver', 'finance'] })
export const clerk = new Principal({ id: 'carl', roles: ['finance'] })

/** The one item of a list, asserting there is exactly one. */
export const single = <A>(items: ReadonlyArray<A>): A => {
  expect(items).toHaveLength(1)
  return items[0]!
}

/** The run stopped with PolicyFailed naming this policy and tool: the call was blocked. */
export const expectPolicyFailed = (output: RunOutput, policy: string, toolName: string, reason?: string) => {
  expect(output.status).toBe('failed')
  const blocked = new PolicyFailed({ policy, toolName, reason: '' }).message
  expect(output.error?.startsWith(blocked)).toBe(true)
  if (reason !== undefined) expect(output.error).toContain(reason)
  expect(output.toolExecutions.every((execution) => execution.status !== 'completed')).toBe(true)
}

/** The promise rejected with NotAllowedToResolve, for this principal. */
export const expectRefused = async (attempt: Promise<unknown>, principalId: string, reason?: string) => {
  const error: unknown = await attempt.then(
    () => undefined,
    (cause: unknown) => cause,
  )
  expect(error).toBeInstanceOf(NotAllowedToResolve)
  expect(error).toMatchObject({
    principalId,
    ...(reason === undefined ? {} : { reason: expect.stringContaining(reason) as unknown }),
  })
}

/** When a requirement expires, as the store has it: `expiresAt - createdAt`, and what happens then. */
export const deadlineOf = (agent: Agent, runId: string, requirementId: string) =>
  Effect.runPromise(agent.store.listRequirements(runId)).then((records) => {
    const record = records.find((candidate) => candidate.id === requirementId)
    return record?.expiresAt === undefined
      ? undefined
      : { after: record.expiresAt - record.createdAt, onExpire: record.onExpire }
  })
