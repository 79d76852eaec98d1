import {
  Agent,
  Approval,
  NotAllowedToResolve,
  type Policy,
  Principal,
  Resolutions,
  ScriptedModel,
  Tool,
} from '@countersign/core'
import { all, amountThreshold, any, roleGate, separationOfDuties } from '@countersign/policies'
import { Schema } from 'effect'
import { describe, expect, it } from 'vitest'
import { weekendFreeze } from '../src/weekendFreeze.js'

/*
 * In Berlin, 2025-01-11 and 12 are a Saturday and a Sunday, 2025-01-08 a Wednesday (UTC+1 in
 * January).
 */
const saturday = new Date('2025-01-11T10:00:00Z')
const wednesday = new Date('2025-01-08T10:00:00Z')

const releaseManager = new Principal({ id: 'rosa', roles: ['approver', 'release-manager'] })
const otherReleaseManager = new Principal({ id: 'raj', roles: ['approver', 'release-manager'] })
const plainApprover = new Principal({ id: 'ana', roles: ['approver'] })

/** An agent that deploys once (or checks a status), its deploys counted, the clock standing at `at`. */
const deployAgent = (
  at: Date,
  policies: (now: () => Date) => ReadonlyArray<Policy.Policy>,
  call: { readonly name: string; readonly args: Readonly<Record<string, unknown>> } = {
    name: 'deploy',
    args: { service: 'checkout', replicas: 3 },
  },
) => {
  const deployed: Array<unknown> = []
  const clock = { now: at }
  const agent = new Agent({
    id: 'release-bot',
    model: ScriptedModel.make([{ toolCalls: [call] }, 'Done.']),
    tools: [
      Tool.make({
        name: 'deploy',
        description: 'Deploy a service to production',
        parameters: Schema.Struct({ service: Schema.String, replicas: Schema.Number }),
        execute: (args) => {
          deployed.push(args)
          return `deployed ${args.service}`
        },
      }),
      Tool.make({
        name: 'service_status',
        description: 'How a service is doing',
        parameters: Schema.Struct({ service: Schema.String }),
        execute: ({ service }) => `${service} is healthy`,
      }),
    ],
    policies: policies(() => clock.now),
  })
  return { agent, deployed, clock }
}

/** At the weekend in Berlin deploys need an approval, which only a release manager other than the requester may give. */
const frozenAtTheWeekend = (now: () => Date) => [
  all(
    weekendFreeze({ timeZone: 'Europe/Berlin', now }),
    roleGate({ tools: { deploy: ['release-manager'] } }),
    separationOfDuties(),
  ),
]

describe('weekendFreeze, all(...) with roleGate and separationOfDuties', () => {
  it('lets a deploy on a weekday run at once', async () => {
    const { agent, deployed } = deployAgent(wednesday, frozenAtTheWeekend)
    const done = await agent.run('ship checkout', { principal: releaseManager })
    expect(done.status).toBe('completed')
    expect(deployed).toEqual([{ service: 'checkout', replicas: 3 }])
  })

  it('pauses a deploy at the weekend for an approval', async () => {
    const { agent, deployed } = deployAgent(saturday, frozenAtTheWeekend)
    const paused = await agent.run('ship checkout', { principal: releaseManager })
    expect(paused.status).toBe('paused')
    expect(paused.activeRequirements).toHaveLength(1)
    expect(paused.activeRequirements[0]).toMatchObject({
      kind: Approval.kind,
      request: { message: 'It is Saturday in Europe/Berlin: deploy needs an approval.' },
    })
    expect(deployed).toEqual([])
  })

  it('runs the deploy once another release manager approves; the requester and a plain approver are refused', async () => {
    const { agent, deployed } = deployAgent(saturday, frozenAtTheWeekend)
    const paused = await agent.run('ship checkout', { principal: releaseManager })
    const approve = {
      runId: paused.runId,
      resolutions: [Resolutions.confirm(paused.activeRequirements[0]!.id)],
    }

    for (const principal of [releaseManager, plainApprover])
      await expect(agent.continueRun(approve, { principal })).rejects.toBeInstanceOf(NotAllowedToResolve)
    expect(deployed).toEqual([])

    const done = await agent.continueRun(approve, { principal: otherReleaseManager })
    expect(done.status).toBe('completed')
    expect(deployed).toEqual([{ service: 'checkout', replicas: 3 }])
  })

  it("counts the weekend in the policy's time zone", async () => {
    // Sunday 23:30 UTC is already Monday in Berlin; Friday 23:30 UTC is already Saturday.
    const monday = deployAgent(new Date('2025-01-12T23:30:00Z'), frozenAtTheWeekend)
    expect((await monday.agent.run('ship checkout')).status).toBe('completed')
    const lateFriday = deployAgent(new Date('2025-01-10T23:30:00Z'), frozenAtTheWeekend)
    expect((await lateFriday.agent.run('ship checkout')).status).toBe('paused')
    expect(lateFriday.deployed).toEqual([])
  })

  it('freezes only deploys', async () => {
    const { agent } = deployAgent(saturday, frozenAtTheWeekend, {
      name: 'service_status',
      args: { service: 'checkout' },
    })
    expect((await agent.run('how is checkout?')).status).toBe('completed')
  })

  it('blocks the deploy when its clock is broken', async () => {
    const { agent, deployed } = deployAgent(new Date(Number.NaN), frozenAtTheWeekend)
    const output = await agent.run('ship checkout')
    expect(output.status).toBe('failed')
    expect(output.error).toMatch(
      /^Policy "all\(weekend-freeze, roleGate\(deploy: release-manager\), separationOfDuties\)" failed on tool "deploy", so the call is blocked: member "weekend-freeze" failed in evaluate/,
    )
    expect(deployed).toEqual([])
  })
})

describe('weekendFreeze, any(...) with amountThreshold', () => {
  /** Large rollouts need an approval any day; at the weekend every deploy does. */
  const largeOrWeekend = (now: () => Date) => [
    any(
      weekendFreeze({ timeZone: 'Europe/Berlin', now }),
      amountThreshold({ tools: ['deploy'], argument: 'replicas', above: 10 }),
    ),
  ]
  const largeRollout = { name: 'deploy', args: { service: 'checkout', replicas: 50 } }

  it('asks on a weekday only for a large rollout', async () => {
    const small = deployAgent(wednesday, largeOrWeekend)
    expect((await small.agent.run('ship checkout')).status).toBe('completed')
    const large = deployAgent(wednesday, largeOrWeekend, largeRollout)
    const paused = await large.agent.run('ship checkout at scale')
    expect(paused.activeRequirements.map((requirement) => requirement.request)).toMatchObject([
      { message: 'A call to deploy with replicas 50 is over the limit of 10.' },
    ])
    expect(large.deployed).toEqual([])
  })

  it('asks once at the weekend, giving every reason, and runs once approved', async () => {
    const { agent, deployed } = deployAgent(saturday, largeOrWeekend, largeRollout)
    const paused = await agent.run('ship checkout at scale')
    expect(paused.activeRequirements).toHaveLength(1)
    expect(paused.activeRequirements[0]!.request).toMatchObject({
      message:
        'It is Saturday in Europe/Berlin: deploy needs an approval.\n' +
        'A call to deploy with replicas 50 is over the limit of 10.',
    })
    const done = await agent.continueRun(
      { runId: paused.runId, resolutions: [Resolutions.confirm(paused.activeRequirements[0]!.id)] },
      { principal: plainApprover },
    )
    expect(done.status).toBe('completed')
    expect(deployed).toEqual([{ service: 'checkout', replicas: 50 }])
  })
})
