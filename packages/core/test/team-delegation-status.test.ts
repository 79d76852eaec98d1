import { Schema } from 'effect'
import { describe, expect, it } from 'vitest'
import { defineAgent, MemoryStore, ScriptedModel, Team, Tool, type RunOutput } from '../src/index.js'

/*
 * A delegation call whose member is at work reads `started` (it began and has no result: its
 * writer is at work, or died), as an agent's call does while its tool runs, never `pending` (which
 * says it waits for a person). Found while building the cold-resume suite: true while the team
 * runs for the first time, not once it was continued after a pause.
 */

/** A team whose one member's `deploy` holds until released, saying when it has been entered. */
const holdingTeam = (requiresConfirmation: boolean) => {
  let entered!: () => void
  const inTool = new Promise<void>((resolve) => (entered = resolve))
  let release!: () => void
  const released = new Promise<void>((resolve) => (release = resolve))
  const deploy = Tool.make({
    name: 'deploy',
    description: 'Deploys',
    parameters: Schema.Struct({}),
    requiresConfirmation,
    execute: async () => {
      entered()
      await released
      return 'live'
    },
  })
  const deployer = defineAgent({
    id: 'deployer',
    model: ScriptedModel.make([{ toolCalls: [{ name: 'deploy' }] }, 'deployed']),
    tools: [deploy],
  })
  const team = new Team({
    id: 'release',
    store: MemoryStore.make(),
    model: ScriptedModel.make([
      { toolCalls: [{ name: 'delegate_task_to_member', args: { member_id: 'deployer', task: 'Deploy' } }] },
      'released',
    ]),
    members: [deployer],
  })
  return { team, inTool, release }
}

const delegationStatus = (output: RunOutput) =>
  output.toolExecutions.find(({ toolName }) => toolName === 'delegate_task_to_member')?.status

describe("a team's delegation call while its member works", () => {
  it('reads started during the first run', async () => {
    const { team, inTool, release } = holdingTeam(false)
    const events = team.runStream('Ship it')[Symbol.asyncIterator]()
    const first = await events.next()
    const runId = first.done === true ? '' : first.value.runId
    const rest = (async () => {
      while ((await events.next()).done !== true);
    })()
    await inTool

    const working = await team.getRun(runId)
    expect({ status: working.status, delegation: delegationStatus(working) }).toStrictEqual({
      status: 'running',
      delegation: 'started',
    })
    release()
    await rest
    await team.dispose()
  })

  it('reads started once the team was continued after its member paused', async () => {
    const { team, inTool, release } = holdingTeam(true)
    const paused = await team.run('Ship it')
    for (const requirement of paused.activeRequirements) requirement.confirm()
    const continued = team.continueRun(paused)
    await inTool

    const working = await team.getRun(paused.runId)
    release()
    expect(await continued).toMatchObject({ status: 'completed', content: 'released' })
    await team.dispose()
    // Its ToolCallStarted is before the pause: since the pause, MemberRunContinued says it is at work.
    expect({ status: working.status, delegation: delegationStatus(working) }).toStrictEqual({
      status: 'running',
      delegation: 'started',
    })
  })
})
