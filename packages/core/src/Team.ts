import { Schema } from 'effect'
import { type AgentDefinition, type AgentSpec, define as defineAgent } from './Agent.js'
import { DefinitionError } from './Errors.js'
import type { Actor } from './Runnable.js'
import * as Tool from './Tool.js'

/*
 * A team's leader hands tasks to members by calling one of two built-in tools. The call is
 * answered once the members' runs complete; a member that needs a person pauses the team with
 * the member's requirements, and the call stays unanswered until the member finishes.
 */

export const toMember = 'delegate_task_to_member'
export const toAllMembers = 'delegate_task_to_all_members'

export const ToMemberArgs = Schema.Struct({
  member_id: Schema.String.annotations({ description: 'The id of the member to hand the task to' }),
  task: Schema.String.annotations({
    description: 'What the member is to do, with everything it needs to know',
  }),
})
export const ToAllArgs = Schema.Struct({
  task: Schema.String.annotations({ description: 'What every member is to do' }),
})

const runByTheTeam = () => {
  throw new Error('delegation calls are carried out by the team run, not executed')
}

/** The leader's delegation tools, for members with these ids. */
export const delegationTools = (members: ReadonlyArray<Pick<Actor, 'id'>>) => [
  Tool.make({
    name: toMember,
    description: `Hands a task to one member of the team (${members.map(({ id }) => id).join(', ')}) and answers with its result.`,
    parameters: Schema.Struct({
      ...ToMemberArgs.fields,
      member_id: Schema.Literal(...members.map(({ id }) => id)).annotations({
        description: 'The id of the member to hand the task to',
      }),
    }),
    execute: runByTheTeam,
  }),
  Tool.make({
    name: toAllMembers,
    description: 'Hands the same task to every member of the team and answers with all their results.',
    parameters: ToAllArgs,
    execute: runByTheTeam,
  }),
]

export const isDelegation = (actor: Actor, toolName: string): actor is TeamDefinition =>
  actor.kind === 'team' && (toolName === toMember || toolName === toAllMembers)

export interface TeamSpec extends AgentSpec {
  /** The leader's model: it answers, uses the team's tools, and delegates tasks to members. */
  readonly model: AgentSpec['model']
  /** Agents and teams, each with a unique id within the whole team. */
  readonly members: ReadonlyArray<Actor>
}

/**
 * A team as the engine runs it. The leader is an agent whose tools are the team's own plus two
 * built-in ones: `delegate_task_to_member` and `delegate_task_to_all_members`. A member works in
 * its own run; when it needs a person, the team run pauses with the member's requirements.
 */
export interface TeamDefinition extends Omit<AgentDefinition, 'kind'> {
  readonly kind: 'team'
  /** The members by id, each holding the team's policies and plugins after its own. */
  readonly members: ReadonlyMap<string, Actor>
  /** Every member at any depth, by id. */
  readonly participants: ReadonlyMap<string, Actor>
}

/** The plain definition of an agent or team (not a Promise-API instance). */
const plainly = (actor: Actor): Actor => {
  const common = {
    id: actor.id,
    name: actor.name,
    instructions: actor.instructions,
    model: actor.model,
    tools: actor.tools,
    policies: actor.policies,
    plugins: actor.plugins,
    ...(actor.toolkits === undefined ? {} : { toolkits: actor.toolkits }),
  }
  return actor.kind === 'agent'
    ? { kind: 'agent', ...common }
    : { kind: 'team', ...common, members: actor.members, participants: actor.participants }
}

/**
 * A member as part of a team (or a workflow step's agent or team, as part of the workflow): the
 * team's policies apply to its calls after its own, and the team's requirement kinds are known
 * to it (its own kind of a name wins).
 */
export const inherit = (member: Actor, team: Pick<AgentDefinition, 'policies' | 'plugins'>): Actor => {
  const plugins = new Map(team.plugins)
  for (const [kind, plugin] of member.plugins) plugins.set(kind, plugin)
  const policies = [...member.policies, ...team.policies]
  const actor = { ...plainly(member), policies, plugins }
  if (actor.kind === 'agent') return actor
  const members = new Map(
    [...actor.members].map(([id, inner]) => [id, inherit(inner, { policies, plugins })]),
  )
  return { ...actor, members, participants: participantsOf(members) }
}

const participantsOf = (members: ReadonlyMap<string, Actor>) =>
  new Map(
    [...members.values()].flatMap((member): Array<[string, Actor]> => [
      [member.id, member],
      ...(member.kind === 'team' ? [...member.participants] : []),
    ]),
  )

const leaderInstructions = (spec: TeamSpec) =>
  [
    spec.instructions,
    'You lead a team. Hand a task to one member with delegate_task_to_member, or to every member with delegate_task_to_all_members. Members:',
    ...spec.members.map((member) => `- ${member.id}: ${member.name}`),
  ]
    .filter((line) => line !== undefined)
    .join('\n')

/**
 * Validates a team's declaration: at least one member, and every id unique across the team at
 * any depth (requirements name members by id).
 */
export const define = (spec: TeamSpec): TeamDefinition => {
  const subject = `team "${spec.id}"`
  if (spec.members.length === 0) throw new DefinitionError({ subject, reason: 'a team needs members' })
  const leader = defineAgent({
    ...spec,
    instructions: leaderInstructions(spec),
    tools: [...(spec.tools ?? []), ...delegationTools(spec.members)],
  })
  const members = new Map<string, Actor>()
  for (const member of spec.members) members.set(member.id, inherit(member, leader))
  const seen = new Set([spec.id])
  for (const member of spec.members)
    for (const id of [member.id, ...(member.kind === 'team' ? member.participants.keys() : [])]) {
      if (seen.has(id))
        throw new DefinitionError({ subject, reason: `the id "${id}" is used twice in the team` })
      seen.add(id)
    }
  return { ...leader, kind: 'team', members, participants: participantsOf(members) }
}
