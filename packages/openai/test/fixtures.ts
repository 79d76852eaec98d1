/**
 * The agent the tests run against the wire server, in the test process and in child processes alike: a
 * payment that needs a confirmation, a lookup that runs freely, a transfer whose amount a person fills in,
 * a shipment executed outside the agent.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent, type RunStore, Tool } from '@countersign/core'
import { Schema } from 'effect'
import { OpenAIModel } from '../src/index.js'

export type Api = 'responses' | 'chat'

export const instructions = 'You move money carefully.'

export const tools = [
  Tool.make({
    name: 'pay',
    description: 'Pay someone',
    parameters: Schema.Struct({ to: Schema.String, amount: Schema.Number }),
    requiresConfirmation: true,
    execute: ({ to, amount }) => `paid ${amount} to ${to}`,
  }),
  Tool.make({
    name: 'lookup',
    description: 'Look up an account',
    parameters: Schema.Struct({ name: Schema.String }),
    execute: ({ name }) => ({ account: `acct-${name}` }),
  }),
  Tool.make({
    name: 'transfer',
    description: 'Transfer between accounts',
    parameters: Schema.Struct({ account: Schema.String, amount: Schema.Number }),
    userInputFields: ['amount'],
    execute: ({ account, amount }) => `moved ${amount} to ${account}`,
  }),
  Tool.make({
    name: 'ship',
    description: 'Ship an order',
    parameters: Schema.Struct({ orderId: Schema.String }),
    externalExecution: true,
  }),
]

export const model = (baseURL: string, api: Api, settings: Partial<OpenAIModel.Options> = {}) =>
  OpenAIModel.make({ model: 'gpt-test', api, apiKey: 'sk-test', baseURL, maxRetries: 0, ...settings })

export const makeAgent = (baseURL: string, api: Api, store?: RunStore) =>
  new Agent({
    id: 'treasurer',
    instructions,
    model: model(baseURL, api),
    tools,
    allowSelfApproval: true,
    ...(store === undefined ? {} : { store }),
  })

/** A SQLite file in a new temporary directory, and how to delete it. */
export const tempDatabase = () => {
  const directory = mkdtempSync(join(tmpdir(), 'countersign-openai-'))
  return {
    path: join(directory, 'runs.db'),
    remove: () => rmSync(directory, { recursive: true, force: true }),
  }
}
