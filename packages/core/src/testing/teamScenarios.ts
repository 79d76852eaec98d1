import { Schema } from 'effect'
import { define as defineAgent } from '../Agent.js'
import { approval } from '../Approval.js'
import type { Requirement } from '../Requirement.js'
import type { Actor } from '../Runnable.js'
import * as ScriptedModel from '../ScriptedModel.js'
import { Team } from '../Runners.js'
import { define as defineTeam } from '../Team.js'
import * as Tool from '../Tool.js'
import type { ColdResumeScenario } from './ColdResumeScenario.js'

/*
 * No vitest here: the cold-resume suite's child processes build these teams too. Every model is
 * scripted and every answer is read from the run's own transcript, so a team continued in a
 * fresh process answers as it would have in the one that paused it.
 */

/**
 * A scripted model whose last turn is made of what its tools answered, oldest first: a team's
 * final answer then shows that its members' results came through the pauses intact.
 */
const answering = (
  turns: ReadonlyArray<ScriptedModel.Turn>,
  answer: (results: ReadonlyArray<string>) => string,
) =>
  ScriptedModel.make((request) => {
    const turn = turns[request.messages.filter((message) => message._tag === 'Assistant').length]
    return (
      turn ??
      answer(request.messages.flatMap((message) => (message._tag === 'Tool' ? [message.content] : [])))
    )
  })

const last = (results: ReadonlyArray<string>) => results.at(-1) ?? ''

/** The leader's turn that hands `task` to one member. */
const delegateTo = (memberId: string, task: string): ScriptedModel.Turn => ({
  toolCalls: [{ name: 'delegate_task_to_member', args: { member_id: memberId, task } }],
})

/** A team (at any depth) whose leader hands `task` to its one member and reports back what it said. */
const teamOf = (id: string, member: Actor, task: string) => ({
  id,
  model: answering([delegateTo(member.id, task)], (results) => `${id}: ${last(results)}`),
  members: [member],
})

const confirmIt = (requirement: Requirement) => requirement.confirm()

const Version = Schema.Struct({ version: Schema.String })

const memberConfirmation: ColdResumeScenario = {
  name: "a member's confirmation pauses the team",
  make: (store, effect) => {
    const deploy = Tool.make({
      name: 'deploy',
      description: 'Deploys a version to production',
      parameters: Version,
      requiresConfirmation: true,
      execute: async ({ version }) => {
        await effect(`deploy ${version}`)
        return `${version} is live`
      },
    })
    const deployer = defineAgent({
      id: 'deployer',
      name: 'Deployer',
      model: answering(
        [{ toolCalls: [{ name: 'deploy', args: { version: 'v2' } }] }],
        (results) => `Deployed: ${last(results)}`,
      ),
      tools: [deploy],
    })
    return new Team({ store, ...teamOf('release', deployer, 'Deploy v2') })
  },
  input: 'Ship v2',
  decide: confirmIt,
  pauses: 1,
  expectedContent: 'release: Deployed: v2 is live',
  expectedEffects: ['deploy v2'],
}

const Site = Schema.Struct({ site: Schema.String })

/** A member with one tool, which it calls with `args` and whose result is its answer. */
const oneToolMember = (id: string, name: string, tool: Tool.Tool, args: Readonly<Record<string, unknown>>) =>
  defineAgent({
    id,
    name,
    model: answering([{ toolCalls: [{ name: tool.name, args }] }], last),
    tools: [tool],
  })

const everyMember: ColdResumeScenario = {
  name: 'delegated to every member, two pause (confirmation, user input) and one completes at once',
  make: (store, effect) => {
    const publish = Tool.make({
      name: 'publish',
      description: 'Publishes the site',
      parameters: Site,
      requiresConfirmation: true,
      execute: async ({ site }) => {
        await effect(`publish ${site}`)
        return `${site} published`
      },
    })
    const announce = Tool.make({
      name: 'announce',
      description: 'Posts an announcement; a person writes the text',
      parameters: Schema.Struct({ channel: Schema.String, text: Schema.String }),
      userInputFields: ['text'],
      execute: async ({ channel, text }) => {
        await effect(`announce ${channel}: ${text}`)
        return `posted to ${channel}`
      },
    })
    const checkLinks = Tool.make({
      name: 'check_links',
      description: 'Checks the site for broken links',
      parameters: Site,
      execute: async ({ site }) => {
        await effect(`check links ${site}`)
        return 'no broken links'
      },
    })
    const site = { site: 'example.com' }
    const team = new Team({
      id: 'launch',
      store,
      model: answering(
        [{ toolCalls: [{ name: 'delegate_task_to_all_members', args: { task: 'Launch example.com' } }] }],
        (results) => `Launch report:\n${last(results)}`,
      ),
      members: [
        oneToolMember('publisher', 'Publisher', publish, site),
        oneToolMember('announcer', 'Announcer', announce, { channel: '#launch' }),
        oneToolMember('checker', 'Checker', checkLinks, site),
      ],
    })
    return team
  },
  input: 'Launch the site',
  decide: (requirement) =>
    requirement.needsUserInput
      ? requirement.provideUserInput({ text: 'We are live' })
      : requirement.confirm(),
  pauses: 1,
  expectedContent:
    'Launch report:\n[Publisher]: example.com published\n[Announcer]: posted to #launch\n[Checker]: no broken links',
  expectedEffects: ['publish example.com', 'announce #launch: We are live', 'check links example.com'],
}

const threeLevels: ColdResumeScenario = {
  name: 'nested three levels deep (team, sub-team, agent), the innermost agent pausing',
  make: (store, effect) => {
    const migrate = Tool.make({
      name: 'migrate',
      description: 'Migrates the database schema',
      parameters: Version,
      requiresConfirmation: true,
      execute: async ({ version }) => {
        await effect(`migrate ${version}`)
        return `schema at ${version}`
      },
    })
    const dba = oneToolMember('dba', 'Database admin', migrate, { version: '42' })
    const ops = defineTeam(teamOf('ops', dba, 'Migrate the schema to 42'))
    return new Team({ store, ...teamOf('company', ops, 'Bring the schema to 42') })
  },
  input: 'Upgrade the database',
  decide: confirmIt,
  pauses: 1,
  expectedContent: 'company: ops: schema at 42',
  expectedEffects: ['migrate 42'],
}

const Node = Schema.Struct({ node: Schema.String })

const pausesTwice: ColdResumeScenario = {
  name: 'a sub-team member that pauses twice, for one gated call after the other',
  make: (store, effect) => {
    const gated = (name: string, done: string) =>
      Tool.make({
        name,
        description: `${name} a node`,
        parameters: Node,
        requiresConfirmation: true,
        execute: async ({ node }) => {
          await effect(`${name} ${node}`)
          return `${node} ${done}`
        },
      })
    // The second call is only asked for once the first has run: its pause comes after the first continue.
    const operator = defineAgent({
      id: 'operator',
      name: 'Operator',
      model: answering(
        [
          { toolCalls: [{ name: 'drain', args: { node: 'node-7' } }] },
          { toolCalls: [{ name: 'reboot', args: { node: 'node-7' } }] },
        ],
        (results) => results.join(', '),
      ),
      tools: [gated('drain', 'drained'), gated('reboot', 'rebooted')],
    })
    const infra = defineTeam(teamOf('infra', operator, 'Drain node-7, then reboot it'))
    return new Team({ store, ...teamOf('maintenance', infra, 'Restart node-7') })
  },
  input: 'node-7 is misbehaving',
  decide: confirmIt,
  pauses: 2,
  expectedContent: 'maintenance: infra: node-7 drained, node-7 rebooted',
  expectedEffects: ['drain node-7', 'reboot node-7'],
}

/** Who signs off the payment: not the requester (whose run it is), an approver. */
export const scenarioApprover = { id: 'approver-1', roles: ['approver'] }

const memberApproval: ColdResumeScenario = {
  name: "a member's call that needs an approver's sign-off",
  make: (store, effect) => {
    const pay = Tool.make({
      name: 'pay',
      description: 'Pays a supplier',
      parameters: Schema.Struct({ amount: Schema.Number, to: Schema.String }),
      approval: approval({ type: 'required' }),
      execute: async ({ amount, to }) => {
        await effect(`pay ${amount} to ${to}`)
        return `paid ${amount} to ${to}`
      },
    })
    const payer = oneToolMember('payer', 'Payer', pay, { amount: 120, to: 'ACME' })
    const team = new Team({ store, ...teamOf('finance', payer, 'Pay ACME 120') })
    // The decisions are the approver's: every continue is made as them, not as the run's requester.
    return {
      run: (input) => team.run(input),
      getRun: (runId) => team.getRun(runId),
      continueRun: (input) => team.continueRun(input, { principal: scenarioApprover }),
      dispose: () => team.dispose(),
    }
  },
  input: 'Settle the ACME invoice',
  decide: confirmIt,
  pauses: 1,
  expectedContent: 'finance: paid 120 to ACME',
  expectedEffects: ['pay 120 to ACME'],
}

/** The team scenarios of the cold-resume suite (see `describeColdResume`). */
export const teamScenarios: ReadonlyArray<ColdResumeScenario> = [
  memberConfirmation,
  everyMember,
  threeLevels,
  pausesTwice,
  memberApproval,
]
