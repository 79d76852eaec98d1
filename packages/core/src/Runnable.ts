import type { AgentDefinition } from './Agent.js'
import { DefinitionError } from './Errors.js'
import type { RequirementRecord } from './Requirement.js'
import type { TeamDefinition } from './Team.js'
import type { WorkflowDefinition } from './Workflow.js'

/** What the engine runs: an agent, a team whose leader delegates to members, or a workflow of steps. */
export type Runnable = AgentDefinition | TeamDefinition | WorkflowDefinition

/** What makes tool calls: an agent, or a team's leader with the team's own tools. */
export type Actor = AgentDefinition | TeamDefinition

/** What a requirement is judged by: its tools, policies and requirement kinds. */
export type Judge = Pick<Actor, 'id' | 'tools' | 'policies' | 'plugins'>

/** The agents and teams working for a definition at any depth, by id (none for an agent). */
const participantsOf = (definition: Runnable): ReadonlyMap<string, Actor> | undefined =>
  definition.kind === 'agent' ? undefined : definition.participants

/**
 * The definition whose call (or step) a requirement of one of `root`'s runs blocks: the member
 * it names, or `root` itself. Undefined when the member is no longer part of the definition.
 */
export const ownerOf = (root: Runnable, requirement: RequirementRecord): Judge | undefined => {
  const member = requirement.member
  if (member === undefined) return root
  return participantsOf(root)?.get(member.agentId)
}

/**
 * The definition with this id among those served, or among their members at any depth (whose
 * runs may be read, and whose tools granted, though not run on their own).
 */
export const findDefinition = (served: ReadonlyMap<string, Runnable>, id: string): Runnable | undefined => {
  const direct = served.get(id)
  if (direct !== undefined) return direct
  for (const definition of served.values()) {
    const member = participantsOf(definition)?.get(id)
    if (member !== undefined) return member
  }
  return undefined
}

/** Definitions by id; two with one id are a DefinitionError. */
export const byId = (
  subject: string,
  definitions: ReadonlyArray<Runnable>,
): ReadonlyMap<string, Runnable> => {
  const served = new Map<string, Runnable>()
  for (const definition of definitions) {
    if (served.has(definition.id))
      throw new DefinitionError({
        subject,
        reason: `two agents, teams or workflows have the id "${definition.id}"`,
      })
    served.set(definition.id, definition)
  }
  return served
}
