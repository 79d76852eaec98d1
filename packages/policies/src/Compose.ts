import { Approval, Policy, type RequirementPlugin } from '@countersign/core'
import { Duration, Effect } from 'effect'
import { invalid } from './internal/options.js'

/*
 * An agent's list of policies is already a conjunction of sorts: every policy adds its
 * requirements, and every one must allow a resolution. Composites say more: "ask for an approval
 * only when the amount is large AND it is the weekend", "a finance person OR an admin may sign
 * off". They are policies like any other, built on the public `Policy` API.
 */

type Mode = 'all' | 'any'
type Need = RequirementPlugin.Need
type Expiry = RequirementPlugin.Expiry

const describe = (cause: unknown) => (cause instanceof Error ? cause.message : String(cause))

/**
 * One member's answer to one part, whatever form it came in (a value, a Promise, an Effect).
 * A throw, a rejection, a failure, a defect or an answer of the wrong type becomes a failure
 * naming the member, so the composite fails closed exactly as the member alone would have.
 */
const ask = <A>(
  member: Policy.Policy,
  part: 'evaluate' | 'mayResolve' | 'expiry',
  answer: () => Policy.Answer<unknown>,
  check: (value: unknown) => value is A,
  expected: string,
): Effect.Effect<A, Error> =>
  Policy.apply(
    answer,
    check,
    expected,
    (reason) => new Error(`member "${member.name}" failed in ${part}: ${reason}`),
  )

const isNeed = (value: unknown): value is Need =>
  typeof value === 'object' &&
  value !== null &&
  'plugin' in value &&
  typeof value.plugin === 'object' &&
  value.plugin !== null &&
  'kind' in value.plugin &&
  typeof value.plugin.kind === 'string' &&
  'need' in value.plugin &&
  typeof value.plugin.need === 'function'

const isNeeds = (value: unknown): value is ReadonlyArray<Need> => Array.isArray(value) && value.every(isNeed)

const isBoolean = (value: unknown): value is boolean => typeof value === 'boolean'

const isExpiry = (value: unknown): value is Expiry | undefined =>
  value === undefined ||
  (typeof value === 'object' &&
    value !== null &&
    'after' in value &&
    'onExpire' in value &&
    (value.onExpire === 'reject' || value.onExpire === 'cancel'))

/** How long a deadline is; a duration that does not decode throws, and the composite fails closed. */
const millis = (expiry: Expiry) => Duration.toMillis(Duration.decode(expiry.after))

/** The earliest of some deadlines (the first of equals), or undefined if none is set. */
const earliest = (deadlines: ReadonlyArray<Expiry | undefined>): Expiry | undefined =>
  deadlines.reduce<Expiry | undefined>(
    (soonest, expiry) =>
      expiry === undefined || (soonest !== undefined && millis(soonest) <= millis(expiry)) ? soonest : expiry,
    undefined,
  )

const messageOf = (request: unknown): string | undefined =>
  typeof request === 'object' &&
  request !== null &&
  'message' in request &&
  typeof request.message === 'string'
    ? request.message
    : undefined

/**
 * The requirements of several members as one list, in order. A call gets one sign-off however
 * many members ask for it, so the approvals become one: it shows the approver every distinct
 * reason given, and expires at the earliest deadline any of them set. Other requirements asked
 * for twice in the same words (same kind, request and deadline) are asked once.
 */
const union = (needs: ReadonlyArray<Need>): ReadonlyArray<Need> => {
  const approvals = needs.filter((need) => need.plugin.kind === Approval.kind)
  const merged = approvals.length === 0 ? undefined : mergeApprovals(approvals)
  const kept: Array<Need> = []
  const seen = new Set<string>()
  for (const need of needs) {
    if (need.plugin.kind === Approval.kind) {
      if (need === approvals[0]) kept.push(merged!)
      continue
    }
    const key = JSON.stringify([need.plugin.kind, need.request, need.expiry ?? null])
    if (seen.has(key)) continue
    seen.add(key)
    kept.push(need)
  }
  return kept
}

const mergeApprovals = (approvals: ReadonlyArray<Need>): Need => {
  const first = approvals[0]!
  const messages = [...new Set(approvals.flatMap((need) => messageOf(need.request) ?? []))]
  const request =
    messages.length === 0 ? first.request : { ...(first.request as object), message: messages.join('\n') }
  return first.plugin.need(request, earliest(approvals.map((need) => need.expiry)))
}

const compose = (mode: Mode, members: ReadonlyArray<Policy.Policy>): Policy.Policy => {
  if (members.length === 0) throw invalid(mode, 'it needs at least one policy')
  for (const member of members as ReadonlyArray<unknown>)
    if (
      typeof member !== 'object' ||
      member === null ||
      !('name' in member) ||
      typeof member.name !== 'string'
    )
      throw invalid(mode, 'every member must be a policy (an object with a name)')
  const name = `${mode}(${members.map((member) => member.name).join(', ')})`
  const evaluators = members.filter((member) => member.evaluate !== undefined)
  const resolvers = members.filter((member) => member.mayResolve !== undefined)
  const deadliners = members.filter((member) => member.expiry !== undefined)

  // Every member is asked, even once the answer is known: one that fails must block the call.
  const evaluate: Policy.Policy['evaluate'] = (context) =>
    Effect.gen(function* () {
      const asked = yield* Effect.forEach(evaluators, (member) =>
        ask(member, 'evaluate', () => member.evaluate!(context), isNeeds, 'a list of requirements'),
      )
      if (mode === 'all' && asked.some((needs) => needs.length === 0)) return []
      return yield* Effect.try({
        try: () => union(asked.flat()),
        catch: (cause) => new Error(describe(cause)),
      })
    })

  const mayResolve: Policy.Policy['mayResolve'] = (context) =>
    Effect.map(
      Effect.forEach(resolvers, (member) =>
        ask(member, 'mayResolve', () => member.mayResolve!(context), isBoolean, 'true or false'),
      ),
      (answers) => (mode === 'all' ? answers.every(Boolean) : answers.some(Boolean)),
    )

  const expiry: Policy.Policy['expiry'] = (context, kind) =>
    Effect.flatMap(
      Effect.forEach(deadliners, (member) =>
        ask(member, 'expiry', () => member.expiry!(context, kind), isExpiry, 'an expiry or undefined'),
      ),
      (deadlines) =>
        Effect.try({ try: () => earliest(deadlines), catch: (cause) => new Error(describe(cause)) }),
    )

  return Policy.make({
    name,
    ...(evaluators.length > 0 && { evaluate }),
    ...(resolvers.length > 0 && { mayResolve }),
    ...(deadliners.length > 0 && { expiry }),
  })
}

/**
 * Every member must agree. A call needs something only when every member that judges calls
 * (`evaluate`) asks for something, and then it needs everything they asked for, with one
 * approval at most. A resolution is allowed only when every member that judges resolvers
 * (`mayResolve`) allows it. The deadline is the earliest any member sets. Members without a part
 * take no part in it; a member that throws or answers nonsense fails the composite closed.
 *
 * `all(amountThreshold({ above: 1000 }), businessHours({ now }))`: large amounts need an
 * approval, but only out of hours.
 */
export const all = (...policies: ReadonlyArray<Policy.Policy>): Policy.Policy => compose('all', policies)

/**
 * One member is enough. A call needs everything any member asks for (one approval at most); a
 * resolution is allowed when at least one member that judges resolvers allows it. The deadline
 * is the earliest any member sets. A member that throws or answers nonsense fails the composite
 * closed, whatever the others say.
 *
 * `any(amountThreshold({ above: 1000 }), businessHours({ now }))`: large amounts need an approval,
 * and so does anything out of hours. Mind `mayResolve`: a member that does not concern itself with
 * a requirement (a role gate on other tools) allows it, and under `any` that is enough.
 */
export const any = (...policies: ReadonlyArray<Policy.Policy>): Policy.Policy => compose('any', policies)
