import { Option, Schema } from 'effect'
import { sameJson } from '../Json.js'
import type { RequirementRecord } from '../Requirement.js'
import { Decision } from '../RequirementPlugin.js'
import type { RunDecisions } from '../Run.js'

const decodeDecision = Schema.decodeUnknownOption(Decision)

/** Which count a decided requirement adds to, if any: only yes-or-no decisions and expiries count. */
const countOf = (requirement: RequirementRecord): keyof RunDecisions | undefined => {
  const resolution = requirement.resolution
  if (resolution === undefined) return undefined
  // A cancelled run says so itself; its lapsed requirements were nobody's decision.
  if (resolution.lapsed !== undefined) return resolution.lapsed === 'expired' ? 'expired' : undefined
  const decision = decodeDecision(resolution.value)
  if (Option.isNone(decision)) return undefined
  const { approved, args } = decision.value
  if (!approved) return 'rejected'
  // Arguments sent back unchanged are an approval of the call as asked.
  return args === undefined || sameJson(args, requirement.toolCall.args) ? 'approved' : 'edited'
}

/** `before` with the decisions on `requirements` added; unchanged when none of them counts. */
export const withDecisions = (
  before: RunDecisions | undefined,
  requirements: ReadonlyArray<RequirementRecord>,
): RunDecisions | undefined => {
  let counts = before
  for (const requirement of requirements) {
    const count = countOf(requirement)
    if (count === undefined) continue
    const from = counts ?? { approved: 0, edited: 0, rejected: 0, expired: 0 }
    counts = { ...from, [count]: from[count] + 1 }
  }
  return counts
}
