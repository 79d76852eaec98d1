import { Effect } from 'effect'
import { describe, expect, it } from 'vitest'
import {
  Agent,
  defineAgent,
  defineTeam,
  InvalidResolution,
  MemoryStore,
  RequirementNotFound,
  RequirementsUnresolved,
  Resolutions,
  RunNotContinuable,
  ScriptedModel,
  Team,
  type RunEvent,
  type RunStore,
} from '../src/index.js'
import { collect, makeLedger, rejectionOf, single } from './fixtures.js'
import { delegatingTo, delegatingToAll, member, recordingTool, reporting } from './teams.js'

/*
 * Agno's team HITL (agno-hitl-study §4 and the team tests of §7), translated, with its team
 * bugs fixed: requirements are never dropped or replaced by a partial continue, a member run is
 * never lost or restarted (route mode, #8029), chained resumes show only the live requirements
 * (#7864), and an unresolved requirement keeps the team paused instead of being rejected.
 */

const tags = (events: ReadonlyArray<RunEvent>) => events.map((event) => event._tag)

const deployTeam = (flags = { requiresConfirmation: true }, store: RunStore = MemoryStore.make()) => {
  const ledger = makeLedger()
  const deployer = member(ledger, 'deployer', flags, { tool: 'deploy' })
  const team = new Team({
    id: 'ops',
    name: 'Ops team',
    model: delegatingTo('deployer', 'Deploy prod'),
    members: [deployer],
    store,
  })
  return { ledger, team, store }
}

describe('a member that needs a person pauses the team (test_team_confirmation_flows)', () => {
  it('pauses with the member named on its requirement, then completes once confirmed', async () => {
    const { ledger, team } = deployTeam()
    const paused = await team.run('Ship it')
    expect(paused.status).toBe('paused')
    expect(paused.kind).toBe('team')
    const requirement = single(paused.activeRequirements)
    expect(requirement.kind).toBe('confirmation')
    expect(requirement.toolCall.name).toBe('deploy')
    expect(requirement.member).toMatchObject({ agentId: 'deployer', agentName: 'Deployer', kind: 'agent' })
    expect(requirement.member!.runId).toBe(`${paused.runId}/call_1_1/deployer`)
    expect(ledger.count('deploy')).toBe(0)

    requirement.confirm()
    const done = await team.continueRun(paused)
    expect(done.status).toBe('completed')
    expect(done.content).toBe('Team: deployer: deploy done for prod')
    expect(ledger.count('deploy')).toBe(1)
    // The member's run is the same run, completed, not cancelled or restarted.
    const memberRun = await team.store.getRun(requirement.member!.runId).pipe(Effect.runPromise)
    expect(memberRun).toMatchObject({
      _tag: 'Some',
      value: { status: 'completed', parentRunId: paused.runId },
    })
  })

  it('a rejection with a note reaches the member, whose answer reaches the leader', async () => {
    const { ledger, team } = deployTeam()
    const paused = await team.run('Ship it')
    single(paused.activeRequirements).reject('Not on a Friday')
    const done = await team.continueRun(paused)
    expect(done.status).toBe('completed')
    expect(done.content).toBe('Team: deployer: Not on a Friday')
    expect(ledger.count('deploy')).toBe(0)
  })

  it('an unresolved continue stays paused: never a silent rejection', async () => {
    const { ledger, team } = deployTeam()
    const paused = await team.run('Ship it')
    const refused = await rejectionOf(team.continueRun({ runId: paused.runId }))
    expect(refused).toBeInstanceOf(RequirementsUnresolved)
    expect((refused as RequirementsUnresolved).requirementIds).toEqual([single(paused.activeRequirements).id])
    expect((await team.getRun(paused.runId)).status).toBe('paused')
    expect(ledger.count('deploy')).toBe(0)
  })

  it('streams the member pause inside the team run, and the continue in the same order', async () => {
    const { team, store } = deployTeam()
    const first = await collect(team.runStream('Ship it'))
    expect(tags(first)).toEqual([
      'RunStarted',
      'ModelRequestStarted',
      'ModelRequestCompleted',
      'ToolCallStarted',
      'MemberRunStarted',
      'MemberRunPaused',
      'RunPaused',
    ])
    const paused = first.at(-1) as Extract<RunEvent, { _tag: 'RunPaused' }>
    const memberRunId = (first[4] as Extract<RunEvent, { _tag: 'MemberRunStarted' }>).memberRunId
    const second = await collect(
      team.continueRunStream({
        runId: paused.runId,
        resolutions: [Resolutions.confirm(paused.requirements[0]!.id)],
      }),
    )
    expect(tags(second).slice(0, 5)).toEqual([
      'RequirementResolved',
      'RunContinued',
      'MemberRunContinued',
      'MemberRunCompleted',
      'ToolCallCompleted',
    ])
    expect(tags(second).at(-1)).toBe('RunCompleted')
    // Every event of the team run is numbered 1, 2, … without a gap.
    const all = await store.readEvents(paused.runId, 0).pipe(Effect.runPromise)
    expect(all.map((event) => event.seq)).toEqual(all.map((_, index) => index + 1))
    // The member's own journal: started … paused, then resolved, continued … completed.
    expect(tags(await store.readEvents(memberRunId, 0).pipe(Effect.runPromise))).toEqual([
      'RunStarted',
      'ModelRequestStarted',
      'ModelRequestCompleted',
      'RunPaused',
      'RequirementResolved',
      'RunContinued',
      'ToolCallStarted',
      'ToolCallCompleted',
      'ModelRequestStarted',
      'RunContent',
      'RunContent',
      'RunContent',
      'RunContent',
      'RunContent',
      'ModelRequestCompleted',
      'RunCompleted',
    ])
  })
})

describe("a team's own tools (test_team_tool_hitl)", () => {
  const opsTeam = () => {
    const ledger = makeLedger()
    const team = new Team({
      id: 'ops',
      model: reporting([{ name: 'restart', args: { target: 'api' } }], 'Team'),
      tools: [recordingTool(ledger, 'restart', { requiresConfirmation: true })],
      members: [member(ledger, 'deployer')],
    })
    return { ledger, team }
  }

  it('pause with no member on the requirement; confirm runs the tool', async () => {
    const { ledger, team } = opsTeam()
    const paused = await team.run('Restart the api')
    const requirement = single(paused.activeRequirements)
    expect(requirement.member).toBeUndefined()
    requirement.confirm()
    expect((await team.continueRun(paused)).content).toBe('Team: restart done for api')
    expect(ledger.count('restart')).toBe(1)
  })

  it('reject completes too, the tool not run', async () => {
    const { ledger, team } = opsTeam()
    const paused = await team.run('Restart the api')
    single(paused.activeRequirements).reject()
    const done = await team.continueRun(paused)
    expect(done.status).toBe('completed')
    expect(ledger.count('restart')).toBe(0)
  })
})

describe("a member's user input and external execution", () => {
  it('an unknown field leaves the requirement unresolved; valid values reach the tool', async () => {
    const { ledger, team } = deployTeam({ requiresUserInput: true } as never)
    const paused = await team.run('Ship it')
    const requirement = single(paused.activeRequirements)
    expect(requirement.needsUserInput).toBe(true)
    expect(() => requirement.provideUserInput({ colour: 'blue' })).toThrow(InvalidResolution)
    expect(requirement.isResolved).toBe(false)
    const wrong = await rejectionOf(
      team.continueRun({
        runId: paused.runId,
        resolutions: [Resolutions.userInput(requirement.id, { colour: 'blue' })],
      }),
    )
    expect(wrong).toBeInstanceOf(InvalidResolution)
    expect((await team.getRun(paused.runId)).activeRequirements).toHaveLength(1)
    requirement.provideUserInput({ target: 'staging' })
    const done = await team.continueRun(paused)
    expect(done.content).toBe('Team: deployer: deploy done for staging')
    expect(ledger.calls).toMatchObject([{ tool: 'deploy', args: { target: 'staging' } }])
  })

  it("an external result becomes the member's tool result", async () => {
    const { ledger, team } = deployTeam({ externalExecution: true } as never)
    const paused = await team.run('Ship it')
    single(paused.activeRequirements).setExternalExecutionResult('deployed by hand')
    expect((await team.continueRun(paused)).content).toBe('Team: deployer: deployed by hand')
    expect(ledger.count('deploy')).toBe(0)
  })
})

describe('several members at once (delegate to all)', () => {
  const trio = () => {
    const ledger = makeLedger()
    const store = MemoryStore.make()
    const team = new Team({
      id: 'crew',
      model: delegatingToAll('Check in'),
      members: [
        member(ledger, 'alpha', { requiresConfirmation: true }),
        member(ledger, 'beta', { requiresConfirmation: true }),
        member(ledger, 'gamma'),
      ],
      store,
    })
    return { ledger, team, store }
  }

  it('members needing nobody finish; the team pauses once for every requirement raised', async () => {
    const { ledger, team } = trio()
    const paused = await team.run('Everyone check in')
    expect(paused.activeRequirements.map((requirement) => requirement.member?.agentId).sort()).toEqual([
      'alpha',
      'beta',
    ])
    expect(ledger.count('gamma_tool')).toBe(1)
    const [first, second] = paused.activeRequirements
    // One decision of two: the team stays paused, and the decision is kept.
    const partial = await rejectionOf(
      team.continueRun({ runId: paused.runId, resolutions: [Resolutions.confirm(first!.id)] }),
    )
    expect(partial).toBeInstanceOf(RequirementsUnresolved)
    expect((partial as RequirementsUnresolved).requirementIds).toEqual([second!.id])
    const again = await team.getRun(paused.runId)
    expect(again.activeRequirements.map(({ id }) => id)).toEqual([second!.id])
    const done = await team.continueRun({
      runId: paused.runId,
      resolutions: [Resolutions.reject(second!.id, 'no')],
    })
    expect(done.status).toBe('completed')
    expect(done.content).toBe(
      'Team: [Alpha]: alpha: alpha_tool done for prod\n[Beta]: beta: no\n[Gamma]: gamma: gamma_tool done for prod',
    )
    expect([ledger.count('alpha_tool'), ledger.count('beta_tool'), ledger.count('gamma_tool')]).toEqual([
      1, 0, 1,
    ])
  })

  it("one member's decision does not resolve a sibling's call", async () => {
    const { ledger, team } = trio()
    const paused = await team.run('Everyone check in')
    const alpha = paused.activeRequirements.find((requirement) => requirement.member?.agentId === 'alpha')!
    const beta = paused.activeRequirements.find((requirement) => requirement.member?.agentId === 'beta')!
    await team.resolve(paused.runId, [Resolutions.confirm(alpha.id)])
    const now = await team.getRun(paused.runId)
    expect(now.requirements.find(({ id }) => id === beta.id)!.isResolved).toBe(false)
    expect(ledger.count('beta_tool')).toBe(0)
  })
})

describe('continue binds decisions to the stored requirements by id (test_paused_member_persistence)', () => {
  it('unknown, duplicate or forged ids are refused; the run stays paused and nothing is recorded', async () => {
    const { ledger, team } = deployTeam()
    const paused = await team.run('Ship it')
    const requirement = single(paused.activeRequirements)
    const other = await deployTeam().team.run('Ship it')
    const refusals = await Promise.all([
      rejectionOf(team.continueRun({ runId: paused.runId, resolutions: [Resolutions.confirm('forged')] })),
      // A requirement of another team's run.
      rejectionOf(
        team.continueRun({
          runId: paused.runId,
          resolutions: [Resolutions.confirm(other.requirements[0]!.id)],
        }),
      ),
      rejectionOf(
        team.continueRun({
          runId: paused.runId,
          resolutions: [Resolutions.confirm(requirement.id), Resolutions.reject(requirement.id)],
        }),
      ),
      // A result where a decision is due does not pass for one.
      rejectionOf(
        team.continueRun({
          runId: paused.runId,
          resolutions: [Resolutions.externalResult(requirement.id, 'ok')],
        }),
      ),
    ])
    expect(refusals.map((error) => (error as { _tag: string })._tag)).toEqual([
      'RequirementNotFound',
      'RequirementNotFound',
      'InvalidResolution',
      'InvalidResolution',
    ])
    expect(refusals[0]).toBeInstanceOf(RequirementNotFound)
    const after = await team.getRun(paused.runId)
    expect(after.status).toBe('paused')
    expect(single(after.activeRequirements).isResolved).toBe(false)
    expect(ledger.count('deploy')).toBe(0)
  })

  it("a member's run is continued and cancelled through its team only", async () => {
    const { ledger, team } = deployTeam()
    const paused = await team.run('Ship it')
    const requirement = single(paused.activeRequirements)
    const deployer = team.members.get('deployer')!
    // The member's agent, served on its own over the same store.
    const alone = new Agent({
      id: 'deployer',
      model: deployer.model,
      tools: [...deployer.tools.values()],
      store: team.store,
    })
    for (const attempt of [
      alone.continueRun({
        runId: requirement.member!.runId,
        resolutions: [Resolutions.confirm(requirement.id)],
      }),
      alone.cancelRun(requirement.member!.runId),
    ]) {
      const refused = await rejectionOf(attempt)
      expect(refused).toBeInstanceOf(RunNotContinuable)
      expect((refused as RunNotContinuable).rootRunId).toBe(paused.runId)
    }
    expect((await alone.getRun(requirement.member!.runId)).status).toBe('paused')
    expect(single((await team.getRun(paused.runId)).activeRequirements).id).toBe(requirement.id)
    expect(ledger.count('deploy')).toBe(0)
  })

  it('stale outputs cannot resurrect a completed or cancelled team run', async () => {
    const { ledger, team } = deployTeam()
    const paused = await team.run('Ship it')
    single(paused.activeRequirements).confirm()
    await team.continueRun(paused)
    expect(await rejectionOf(team.continueRun(paused))).toBeInstanceOf(RunNotContinuable)
    const other = await team.run('Ship it again')
    await team.cancelRun(other.runId)
    single(other.activeRequirements).confirm()
    expect(await rejectionOf(team.continueRun(other))).toBeInstanceOf(RunNotContinuable)
    expect(ledger.count('deploy')).toBe(1)
  })
})

describe('nested teams resume at the right depth', () => {
  const nested = (store: RunStore) => {
    const ledger = makeLedger()
    const inner = defineTeam({
      id: 'platform',
      name: 'Platform',
      model: delegatingTo('deployer', 'Deploy prod'),
      members: [member(ledger, 'deployer', { requiresConfirmation: true }, { tool: 'deploy' })],
    })
    const middle = defineTeam({ id: 'engineering', model: delegatingTo('platform'), members: [inner] })
    const make = () =>
      new Team({ id: 'company', model: delegatingTo('engineering'), members: [middle], store })
    return { ledger, make }
  }

  it('three levels: the innermost pause surfaces at the top and resumes in a new instance (cold)', async () => {
    const store = MemoryStore.make()
    const { ledger, make } = nested(store)
    const first = make()
    const paused = await first.run('Ship it')
    const requirement = single(paused.activeRequirements)
    expect(requirement.member).toMatchObject({ agentId: 'deployer', kind: 'agent' })
    expect(requirement.member!.runId.split('/')).toHaveLength(7)
    await first.dispose()

    const second = make()
    const done = await second.continueRun({
      runId: paused.runId,
      resolutions: [Resolutions.confirm(requirement.id)],
    })
    expect(done.status).toBe('completed')
    expect(done.content).toBe('Team: Team: Team: deployer: deploy done for prod')
    expect(ledger.count('deploy')).toBe(1)
    // Every run on the way down completed.
    const platformRunId = requirement.member!.runId.split('/').slice(0, 5).join('/')
    const platformRun = await store.getRun(platformRunId).pipe(Effect.runPromise)
    expect(platformRun).toMatchObject({ _tag: 'Some', value: { status: 'completed', agentId: 'platform' } })
  })

  it('a sub-team member that pauses twice: each pause shows only its live requirement (#7864)', async () => {
    const ledger = makeLedger()
    const twice = defineAgent({
      id: 'migrator',
      model: ScriptedModel.make((request) => {
        const results = request.messages.filter((message) => message._tag === 'Tool').length
        return results === 0
          ? { toolCalls: [{ name: 'migrate', args: { target: 'schema' } }] }
          : results === 1
            ? { toolCalls: [{ name: 'migrate', args: { target: 'data' } }] }
            : 'migrated twice'
      }),
      tools: [recordingTool(ledger, 'migrate', { requiresConfirmation: true })],
    })
    const sub = defineTeam({ id: 'data-team', model: delegatingTo('migrator'), members: [twice] })
    const team = new Team({ id: 'company', model: delegatingTo('data-team'), members: [sub] })
    const paused = await team.run('Migrate')
    const first = single(paused.activeRequirements)
    first.confirm()
    const again = await team.continueRun(paused)
    expect(again.status).toBe('paused')
    const second = single(again.activeRequirements)
    expect(second.id).not.toBe(first.id)
    expect(second.toolCall.args).toEqual({ target: 'data' })
    expect(again.requirements.map(({ id }) => id)).toEqual([first.id, second.id])
    // The member run is the same one, taken up again: not restarted.
    expect(second.member!.runId).toBe(first.member!.runId)
    second.confirm()
    const done = await team.continueRun(again)
    expect(done.content).toBe('Team: Team: migrated twice')
    expect(ledger.calls.map((call) => call.args)).toEqual([{ target: 'schema' }, { target: 'data' }])
  })

  it('route mode (#8029): the paused member run is found and resumed, the leader not restarted', async () => {
    const { ledger, team } = deployTeam()
    const leader = team.model as ScriptedModel.ScriptedModel
    const paused = await team.run('Ship it')
    expect(leader.requests).toHaveLength(1)
    single(paused.activeRequirements).confirm()
    await team.continueRun(paused)
    // One more leader turn, after the member's result: the first was not repeated.
    expect(leader.requests).toHaveLength(2)
    expect(leader.requests[1]!.messages.at(-1)).toMatchObject({
      _tag: 'Tool',
      content: 'deployer: deploy done for prod',
    })
    expect(ledger.count('deploy')).toBe(1)
  })
})
