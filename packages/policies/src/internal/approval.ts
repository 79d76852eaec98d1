import { Approval, defineAgent, type RequirementPlugin, ScriptedModel } from '@countersign/core'

/**
 * The built-in `approval` requirement kind: an approver's sign-off.
 *
 * `@countersign/core` does not export this plugin (`RequiredApproval`) from its public API, and a
 * look-alike will not do: the engine only raises a requirement whose plugin is the very one the
 * agent registered for its kind, and the built-in kinds cannot be registered twice. Every agent
 * definition carries the built-in kinds, so the plugin is taken from one (its model is never
 * called). Once core exports `RequiredApproval`, this module becomes a re-export.
 */
const RequiredApproval: RequirementPlugin.AnyRequirementPlugin = (() => {
  const plugin = defineAgent({ id: 'countersign-policies', model: ScriptedModel.make([]) }).plugins.get(
    Approval.kind,
  )
  if (plugin === undefined)
    throw new Error(`@countersign/core registers no "${Approval.kind}" requirement kind on its agents`)
  return plugin
})()

/** An approver's sign-off on the call, showing them `message`. */
export const approvalNeed = (message: string): RequirementPlugin.Need => RequiredApproval.need({ message })
