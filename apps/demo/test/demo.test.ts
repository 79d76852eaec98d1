import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type {} from '@countersign/ferretdb-harness/globalSetup' // types `inject('mongodbUrl')`
import { errorOf } from '@countersign/client'
import { Resolutions } from '@countersign/core'
import { MongoClient } from 'mongodb'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { type DemoProcess, startDemo, tempDatabase } from './demoProcess.js'

const database = tempDatabase()
let demo: DemoProcess

beforeAll(async () => {
  demo = await startDemo({ COUNTERSIGN_DB: database.path })
})
afterAll(async () => {
  await demo.stop()
  database.remove()
})

/** The run once it has stopped again (the server goes on with it by itself after an approval is decided). */
const settled = async (client: ReturnType<DemoProcess['client']>, runId: string) => {
  for await (const event of client.runEvents(runId))
    if (event._tag === 'RunPaused' || event._tag === 'RunCompleted' || event._tag === 'RunFailed') break
  return client.runs.get(runId)
}

/** The run's only open requirement. */
const openRequirement = (run: {
  requirements: ReadonlyArray<{ id: string; kind: string }>
  activeRequirementIds: ReadonlyArray<string>
}) => {
  expect(run.activeRequirementIds).toHaveLength(1)
  return run.requirements.find((requirement) => requirement.id === run.activeRequirementIds[0])!
}

describe('the demo server', () => {
  it('serves the seed scenarios and prints where to sign in', async () => {
    expect(demo.stdout()).toContain('[store] SQLite file')
    expect(demo.stdout()).toMatch(/demo-user\s+ada/)
    expect(demo.stdout()).toMatch(/demo-approver\s+grace/)
    const definitions = await demo.client('demo-user').definitions.list()
    expect(definitions.map(({ id, kind }) => `${kind}:${id}`).sort()).toStrictEqual([
      'agent:files',
      'agent:finance',
      'agent:infrastructure',
      'agent:support',
      'team:refund-desk',
      'workflow:data-pipeline',
    ])
  })

  it('starts with runs waiting for each kind of decision', async () => {
    const { runs } = await demo.client('demo-user').runs.list()
    expect(runs.map(({ agentId, status }) => `${agentId}:${status}`).sort()).toStrictEqual([
      'data-pipeline:paused',
      'finance:paused',
      'support:paused',
    ])
    const { approvals } = await demo.client('demo-approver').approvals.list({ status: 'pending' })
    expect(approvals.map(({ toolName, toolArgs }) => [toolName, toolArgs])).toContainEqual([
      'process_refund',
      { customerId: 'C-1042', amount: 250 },
    ])
  })
})

describe('finance', () => {
  it('refunds up to $100 at once', async () => {
    const run = await demo.client('demo-user').runs.start('finance', 'Refund $60 to customer C-7')
    expect(run.status).toBe('completed')
    expect(run.content).toContain('Refunded $60.00 to customer C-7.')
  })

  it('reads the amount as it is written, asks for one when none is, and claims nothing before it happened', async () => {
    const user = demo.client('demo-user')
    const bare = await user.runs.start('finance', 'Refund 50 to customer C-1042')
    expect(bare.status).toBe('completed')
    expect(bare.toolExecutions).toMatchObject([{ toolName: 'process_refund', args: { amount: 50 } }])
    const none = await user.runs.start('finance', 'Refund customer C-9')
    expect(none.status).toBe('completed')
    expect(none.toolExecutions).toStrictEqual([])
    expect(none.content).toContain('How much should I refund to customer C-9?')
    const waiting = await user.runs.start('finance', 'Refund $300 to customer C-3')
    const said = waiting.messages.flatMap((message) =>
      message._tag === 'Assistant' ? [message.content] : [],
    )
    expect(said.join(' ')).not.toMatch(/Refunding|Refunded/)
    expect(said.join(' ')).toContain('waits for an approver')
  })

  it('gives an approver an hour to sign a refund off', async () => {
    const paused = await demo.client('demo-user').runs.start('finance', 'Refund $400 to customer C-4')
    const [approval] = (await demo.client('demo-approver').approvals.list({ runId: paused.runId })).approvals
    expect(approval!.expiresAt! - approval!.createdAt).toBe(60 * 60 * 1000)
  })

  it('waits for an approver above $100, and refunds once approved', async () => {
    const user = demo.client('demo-user')
    const paused = await user.runs.start('finance', 'Refund $180 to customer C-8')
    expect(paused.status).toBe('paused')
    const requirement = openRequirement(paused)
    expect(requirement.kind).toBe('approval')

    // Ada cannot sign off her own refund.
    const refused = await user.runs
      .continue(paused.runId, [Resolutions.confirm(requirement.id)])
      .catch(errorOf)
    expect(refused).toMatchObject({ _tag: 'NotAllowedToResolve' })

    const decided = await demo
      .client('demo-approver')
      .approvals.decide(requirement.id, { approved: true, note: 'receipt checked' })
    expect(decided).toMatchObject({
      status: 'approved',
      resolvedBy: { id: 'grace' },
      toolArgs: { amount: 180 },
    })
    // Grace's decision was the last one open: the run goes on without Ada doing anything.
    const done = await settled(user, paused.runId)
    expect(done.status).toBe('completed')
    expect(done.content).toContain('Refunded $180.00 to customer C-8.')
  })

  it('tells the customer the approver’s reason when a refund is rejected', async () => {
    const user = demo.client('demo-user')
    const paused = await user.runs.start('finance', 'Refund $900 to customer C-9')
    await demo
      .client('demo-approver')
      .approvals.decide(openRequirement(paused).id, { approved: false, note: 'Over the yearly allowance' })
    const done = await settled(user, paused.runId)
    expect(done.content).toContain('I did not refund $900.00 to C-9.')
    expect(done.content).toContain('Over the yearly allowance')
  })

  it('exports customer data at once and leaves an audit record', async () => {
    const run = await demo.client('demo-user').runs.start('finance', 'Export the data of customer C-11')
    expect(run.status).toBe('completed')
    const { approvals } = await demo
      .client('demo-approver')
      .approvals.list({ type: 'audit', runId: run.runId })
    expect(approvals.map(({ toolName, status }) => [toolName, status])).toStrictEqual([
      ['export_customer_data', 'approved'],
    ])
  })
})

describe('support', () => {
  it('sends the email the user confirms', async () => {
    const user = demo.client('demo-user')
    const paused = await user.runs.start('support', 'Tell customer C-5 that the order ships today.')
    const requirement = openRequirement(paused)
    expect(requirement).toMatchObject({ kind: 'confirmation', toolCall: { name: 'send_customer_email' } })
    const done = await user.runs.continue(paused.runId, [Resolutions.confirm(requirement.id)])
    expect(done.content).toBe('The email to C-5 is sent.')
  })

  it('does not send a rejected email, and says why', async () => {
    const user = demo.client('demo-user')
    const paused = await user.runs.start('support', 'Tell customer C-6 that the order is lost.')
    const done = await user.runs.continue(paused.runId, [
      Resolutions.reject(openRequirement(paused).id, 'Call them instead'),
    ])
    expect(done.content).toBe('I did not send the email to C-6. Your note: Call them instead')
    expect(done.toolExecutions.map(({ toolName, status }) => [toolName, status])).toContainEqual([
      'send_customer_email',
      'skipped',
    ])
  })
})

describe('infrastructure', () => {
  it('asks for the maintenance window, hands the change to a person, and reports what they did', async () => {
    const user = demo.client('demo-user')
    const asked = await user.runs.start('infrastructure', 'Scale the checkout service to 6 replicas')
    const form = openRequirement(asked)
    expect(form).toMatchObject({ kind: 'user_input', toolCall: { name: 'plan_change' } })
    const handedOver = await user.runs.continue(asked.runId, [
      Resolutions.userInput(form.id, { window: 'Sunday 02:00' }),
    ])
    const external = openRequirement(handedOver)
    expect(external).toMatchObject({ kind: 'external_execution', toolCall: { name: 'apply_change' } })
    const done = await user.runs.continue(asked.runId, [
      Resolutions.externalResult(external.id, 'scaled to 6 replicas at 02:04, all healthy'),
    ])
    expect(done.content).toContain('The operator reports: scaled to 6 replicas at 02:04, all healthy')
  })
})

describe('files, through the filesystem MCP server', () => {
  const sandbox = join(dirname(database.path), 'sandbox')

  it('reads freely', async () => {
    const run = await demo.client('demo-user').runs.start('files', 'Read welcome.txt')
    expect(run.status).toBe('completed')
    expect(run.content).toContain('Files here are read freely')
  })

  it('writes only once the user confirms, and not at all when they decline', async () => {
    const user = demo.client('demo-user')
    const declined = await user.runs.start('files', 'Write "no" to declined.txt')
    expect(openRequirement(declined).kind).toBe('confirmation')
    await user.runs.continue(declined.runId, [Resolutions.reject(openRequirement(declined).id, 'not now')])
    expect(existsSync(join(sandbox, 'declined.txt'))).toBe(false)

    const paused = await user.runs.start('files', 'Write "milk, eggs" to todo.txt')
    expect(openRequirement(paused).kind).toBe('confirmation')
    expect(existsSync(join(sandbox, 'todo.txt'))).toBe(false)
    const done = await user.runs.continue(paused.runId, [Resolutions.confirm(openRequirement(paused).id)])
    expect(done.status).toBe('completed')
    expect(readFileSync(join(sandbox, 'todo.txt'), 'utf8')).toBe('milk, eggs')
  })

  it('deletes only once an approver approves', async () => {
    writeFileSync(join(sandbox, 'old.txt'), 'stale')
    const paused = await demo.client('demo-user').runs.start('files', 'Delete old.txt')
    const requirement = openRequirement(paused)
    expect(requirement.kind).toBe('approval')
    expect(existsSync(join(sandbox, 'old.txt'))).toBe(true)
    await demo.client('demo-approver').approvals.decide(requirement.id, { approved: true })
    expect((await settled(demo.client('demo-user'), paused.runId)).status).toBe('completed')
    expect(existsSync(join(sandbox, 'old.txt'))).toBe(false)
  })
})

describe('the refund desk team', () => {
  it('pauses once for the member refund over $100, after the smaller ones went through', async () => {
    const user = demo.client('demo-user')
    const paused = await user.runs.start('refund-desk', 'Process refunds for churned users')
    expect(paused.status).toBe('paused')
    const requirement = openRequirement(paused)
    expect(requirement).toMatchObject({
      kind: 'approval',
      member: { agentId: 'billing', agentName: 'Billing' },
      toolCall: { name: 'process_refund', args: { customerId: 'C-2002', amount: 180 } },
    })
    const [approval] = (await demo.client('demo-approver').approvals.list({ runId: paused.runId })).approvals
    expect(approval).toMatchObject({
      source: { type: 'team', id: 'refund-desk' },
      member: { agentId: 'billing' },
    })

    await demo.client('demo-approver').approvals.decide(requirement.id, { approved: true })
    const done = await settled(user, paused.runId)
    expect(done.status).toBe('completed')
    for (const refund of [
      '$40.00 to customer C-2001',
      '$180.00 to customer C-2002',
      '$75.00 to customer C-2003',
    ])
      expect(done.content).toContain(`Refunded ${refund}`)
  })
})

describe('the data pipeline workflow', () => {
  it('takes a valid data set, transforms it, and pushes to production only once confirmed', async () => {
    const user = demo.client('demo-user')
    const asked = await user.runs.start('data-pipeline', 'Publish the weekly report.')
    const form = openRequirement(asked)
    expect(form.kind).toBe('step_user_input')

    const refused = await user.runs
      .continue(asked.runId, [Resolutions.userInput(form.id, { dataset: 'customers' })])
      .catch(errorOf)
    expect(refused).toMatchObject({ _tag: 'InvalidResolution' })
    expect((await user.runs.get(asked.runId)).activeRequirementIds).toStrictEqual([form.id])

    const gated = await user.runs.continue(asked.runId, [
      Resolutions.userInput(form.id, { dataset: 'refunds' }),
    ])
    const gate = openRequirement(gated)
    expect(gate.kind).toBe('step_confirmation')
    const done = await user.runs.continue(asked.runId, [Resolutions.confirm(gate.id)])
    expect(done.status).toBe('completed')
    expect(done.content).toMatch(/^Published to production \(deployment .+\): Report: 2 rows cleaned/)
  })
})

describe('restarts', () => {
  it('finds its paused runs again after a restart and does not seed twice', async () => {
    const { path, remove } = tempDatabase()
    const first = await startDemo({ COUNTERSIGN_DB: path })
    expect(first.stdout()).toContain('[seed] started 3 runs')
    const before = await first.client('demo-user').runs.list()
    expect(await first.stop()).toBe(0)

    const second = await startDemo({ COUNTERSIGN_DB: path })
    try {
      expect(second.stdout()).not.toContain('[seed]')
      const after = await second.client('demo-user').runs.list()
      expect(after.runs.map(({ runId, status }) => [runId, status])).toStrictEqual(
        before.runs.map(({ runId, status }) => [runId, status]),
      )
    } finally {
      await second.stop()
      remove()
    }
  })

  it('keeps its runs in MongoDB when MONGODB_URL is set', async () => {
    const url = inject('mongodbUrl')
    const dbName = `countersign_demo_${randomBytes(6).toString('hex')}`
    const onMongo = await startDemo({
      MONGODB_URL: url.replace(/^([a-z+]+:\/\/[^/?]*)\/?[^?]*/i, `$1/${dbName}`),
    })
    try {
      expect(onMongo.stdout()).toContain(`[store] MongoDB (MONGODB_URL), database "${dbName}"`)
      expect((await onMongo.client('demo-user').runs.list()).total).toBe(3)
    } finally {
      await onMongo.stop()
      const client = new MongoClient(url, { serverSelectionTimeoutMS: 5_000 })
      await client.db(dbName).dropDatabase()
      await client.close()
    }
  })
})
