import { DefinitionError } from './Errors.js'
import type { AnyRequirementPlugin } from './RequirementPlugin.js'
import * as Tool from './Tool.js'

/** A named group of tools, with HITL flags given as lists of tool names. */
export interface Toolkit {
  readonly name: string
  readonly tools: ReadonlyArray<Tool.Tool>
  /** Requirement kinds its tools raise, registered on every agent that uses it. */
  readonly plugins?: ReadonlyArray<AnyRequirementPlugin>
  /**
   * Lets go of what it holds (an MCP server's process, a connection): called when the agent
   * that uses it, or the `Countersign` serving that agent, is disposed.
   */
  readonly close?: () => Promise<void>
}

export interface ToolkitSpec {
  readonly name: string
  readonly tools: ReadonlyArray<Tool.Tool>
  readonly plugins?: ReadonlyArray<AnyRequirementPlugin>
  readonly requiresConfirmationTools?: ReadonlyArray<string>
  /** Every parameter of these tools is asked of the person, prefilled with the model's arguments. */
  readonly requiresUserInputTools?: ReadonlyArray<string>
  readonly externalExecutionTools?: ReadonlyArray<string>
  /** Each call waits for an approver (`approval({ type: 'required' })`). */
  readonly requiresApprovalTools?: ReadonlyArray<string>
  /** Each call runs at once and is recorded (`approval({ type: 'audit' })`). */
  readonly auditTools?: ReadonlyArray<string>
}

/**
 * Groups tools. A listed name that is not in the toolkit, or a tool that ends up with more than
 * one HITL flag, is a DefinitionError here and now.
 */
export const make = (spec: ToolkitSpec): Toolkit => {
  const names = new Set(spec.tools.map((tool) => tool.name))
  const lists = {
    requiresConfirmationTools: spec.requiresConfirmationTools ?? [],
    requiresUserInputTools: spec.requiresUserInputTools ?? [],
    externalExecutionTools: spec.externalExecutionTools ?? [],
    requiresApprovalTools: spec.requiresApprovalTools ?? [],
    auditTools: spec.auditTools ?? [],
  }
  for (const [list, listed] of Object.entries(lists))
    for (const name of listed)
      if (!names.has(name))
        throw new DefinitionError({
          subject: `toolkit "${spec.name}"`,
          reason: `${list} names "${name}", which is not in it`,
        })
  for (const name of lists.requiresApprovalTools)
    if (lists.auditTools.includes(name))
      throw new DefinitionError({
        subject: `toolkit "${spec.name}"`,
        reason: `"${name}" is in both requiresApprovalTools and auditTools`,
      })
  if (names.size !== spec.tools.length)
    throw new DefinitionError({ subject: `toolkit "${spec.name}"`, reason: 'two tools share a name' })

  return {
    name: spec.name,
    ...(spec.plugins === undefined ? {} : { plugins: spec.plugins }),
    tools: spec.tools.map((tool) => {
      const flags: Tool.HitlFlags = {
        ...(lists.requiresConfirmationTools.includes(tool.name) ? { requiresConfirmation: true } : {}),
        ...(lists.requiresUserInputTools.includes(tool.name) ? { requiresUserInput: true } : {}),
        ...(lists.externalExecutionTools.includes(tool.name) ? { externalExecution: true } : {}),
        ...(lists.requiresApprovalTools.includes(tool.name) ? { approval: { type: 'required' } } : {}),
        ...(lists.auditTools.includes(tool.name) ? { approval: { type: 'audit' } } : {}),
      } satisfies Tool.HitlFlags
      return Object.keys(flags).length === 0 ? tool : Tool.withFlags(tool, flags)
    }),
  }
}
