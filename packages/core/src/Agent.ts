import { DefinitionError } from './Errors.js'
import type { Model } from './Model.js'
import type { Policy } from './Policy.js'
import type { AnyRequirementPlugin } from './RequirementPlugin.js'
import type { Tool } from './Tool.js'
import type { Toolkit } from './Toolkit.js'
import { builtinPlugins } from './internal/registry.js'

export interface AgentSpec {
  readonly id: string
  readonly name?: string
  readonly instructions?: string
  readonly model: Model
  readonly tools?: ReadonlyArray<Tool | Toolkit>
  /** Decide which tool calls need a person, beyond the tools' own flags. Applied in order. */
  readonly policies?: ReadonlyArray<Policy>
  /** Requirement kinds beyond the built-in ones, used by this agent's tools or policies. */
  readonly plugins?: ReadonlyArray<AnyRequirementPlugin>
}

/** An agent as the engine runs it: a plain, validated value. */
export interface AgentDefinition {
  readonly kind: 'agent'
  readonly id: string
  readonly name: string
  readonly instructions: string | undefined
  readonly model: Model
  readonly tools: ReadonlyMap<string, Tool>
  readonly policies: ReadonlyArray<Policy>
  readonly plugins: ReadonlyMap<string, AnyRequirementPlugin>
  /** The toolkits its tools came from: closed with the agent (see `Toolkit.close`). */
  readonly toolkits?: ReadonlyArray<Toolkit>
}

const isToolkit = (entry: Tool | Toolkit): entry is Toolkit => 'tools' in entry

/** Validates an agent's declaration: tool names and requirement kinds must be unique. */
export const define = (spec: AgentSpec): AgentDefinition => {
  const subject = `agent "${spec.id}"`
  if (spec.id.trim() === '') throw new DefinitionError({ subject: 'agent', reason: 'an id is required' })
  const tools = new Map<string, Tool>()
  for (const tool of (spec.tools ?? []).flatMap((entry) => (isToolkit(entry) ? entry.tools : [entry]))) {
    if (tools.has(tool.name))
      throw new DefinitionError({ subject, reason: `two tools are named "${tool.name}"` })
    tools.set(tool.name, tool)
  }
  const plugins = new Map<string, AnyRequirementPlugin>()
  const fromToolkits = (spec.tools ?? []).flatMap((entry) => (isToolkit(entry) ? (entry.plugins ?? []) : []))
  for (const plugin of [...builtinPlugins, ...(spec.plugins ?? []), ...fromToolkits]) {
    // Toolkits sharing a kind share its plugin: the same one is registered once.
    if (plugins.get(plugin.kind) === plugin && fromToolkits.includes(plugin)) continue
    if (plugins.has(plugin.kind))
      throw new DefinitionError({ subject, reason: `two requirement plugins have kind "${plugin.kind}"` })
    plugins.set(plugin.kind, plugin)
  }
  return {
    kind: 'agent',
    id: spec.id,
    name: spec.name ?? spec.id,
    instructions: spec.instructions,
    model: spec.model,
    tools,
    policies: spec.policies ?? [],
    plugins,
    toolkits: (spec.tools ?? []).filter(isToolkit),
  }
}
