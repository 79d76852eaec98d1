import { Policy } from '@countersign/core'
import { inScope, invalid, nameList, policyName } from './internal/options.js'

export interface RoleGateOptions {
  /** For each tool, the roles of which a resolver must hold at least one: `{ process_refund: ['finance'] }`. */
  readonly tools: Readonly<Record<string, ReadonlyArray<string>>>
  /** The requirement kinds it guards. Default: every kind raised on those tools. */
  readonly kinds?: ReadonlyArray<string>
  /** Default `roleGate(<tool>: <roles>; …)`. */
  readonly name?: string
}

const subject = 'roleGate'

/**
 * Some calls are for some people: only principals holding one of the roles listed for a tool
 * may resolve the requirements raised on its calls (a refund is signed off by finance). Calls of
 * tools not listed are left to the other rules.
 *
 * The gate narrows, it never widens: a kind's own rules still apply, so an `approval` needs an
 * approver (or the tool's approvers) who also holds a listed role. A tool listed with no roles
 * can be resolved by nobody.
 */
export const roleGate = (options: RoleGateOptions): Policy.Policy => {
  const given: unknown = options.tools
  if (typeof given !== 'object' || given === null || Array.isArray(given))
    throw invalid(subject, 'tools must map tool names to lists of roles')
  const tools = new Map(
    Object.entries(given).map(([tool, roles]) => {
      if (tool === '') throw invalid(subject, 'a tool name is empty')
      return [tool, nameList(subject, `the roles of "${tool}"`, roles, { allowEmpty: true }) ?? []] as const
    }),
  )
  if (tools.size === 0) throw invalid(subject, 'tools lists no tool, so it would gate nothing')
  const kinds = nameList(subject, 'kinds', options.kinds)
  const described = [...tools].map(([tool, roles]) => `${tool}: ${roles.join(', ')}`).join('; ')

  return Policy.make({
    name: policyName(subject, options.name, `roleGate(${described})`),
    mayResolve: ({ principal, toolCall, kind }) => {
      const roles = tools.get(toolCall.name)
      if (roles === undefined || !inScope(kinds, kind)) return true
      return principal.roles.some((role) => roles.includes(role))
    },
  })
}
