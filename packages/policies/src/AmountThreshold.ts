import { Policy, type ToolCall } from '@countersign/core'
import { approvalNeed } from './internal/approval.js'
import { inScope, invalid, nameList, policyName } from './internal/options.js'

export interface AmountThresholdOptions {
  /**
   * The tools whose calls are judged. Left out, every tool's: then a call without the argument
   * has no amount to judge and passes, while one that has it must give a number.
   */
  readonly tools?: ReadonlyArray<string>
  /** The argument holding the amount (top level of the call's arguments). Default `'amount'`. */
  readonly argument?: string
  /** Amounts strictly above this need an approval; the limit itself does not. */
  readonly above: number
  /** What the approver is shown; by default it names the tool, the amount and the limit. */
  readonly message?: string | ((call: ToolCall, amount: number) => string)
  /** Default `amountThreshold(<argument> > <above>)`. */
  readonly name?: string
}

const subject = 'amountThreshold'

/**
 * Calls that move more than a limit need an approver's sign-off: "refunds over 100 need an
 * approval". Small amounts go through at once, so people only see the calls worth their time.
 *
 * It fails closed by asking: a call to a listed tool whose argument is missing or is not a
 * finite number (a string `"500"` included — the policy does not guess what a model meant) needs
 * an approval too, with a message saying the amount could not be read. That is chosen over
 * blocking the call outright (a throw, `PolicyFailed`, which fails the whole run): a person can
 * still look at the call and decide, and nothing runs unseen.
 */
export const amountThreshold = (options: AmountThresholdOptions): Policy.Policy => {
  const tools = nameList(subject, 'tools', options.tools)
  const argument = options.argument ?? 'amount'
  if (typeof argument !== 'string' || argument === '')
    throw invalid(subject, 'argument must be the name of an argument')
  const above = options.above
  if (typeof above !== 'number' || !Number.isFinite(above))
    throw invalid(subject, 'above must be a finite number')
  const message = options.message
  if (message !== undefined && typeof message !== 'string' && typeof message !== 'function')
    throw invalid(subject, 'message must be a string or a function')

  return Policy.make({
    name: policyName(subject, options.name, `amountThreshold(${argument} > ${above})`),
    evaluate: ({ call }) => {
      if (!inScope(tools, call.name)) return []
      const given = Object.hasOwn(call.args, argument) ? call.args[argument] : undefined
      // Every tool is judged and this one has no such argument: there is nothing to judge.
      if (tools === undefined && given === undefined) return []
      if (typeof given !== 'number' || !Number.isFinite(given))
        return [
          approvalNeed(
            `A call to ${call.name} needs an approval: its ${argument} (${describe(given)}) is not a number, ` +
              `so it cannot be checked against the limit of ${above}.`,
          ),
        ]
      if (given <= above) return []
      return [
        approvalNeed(
          message === undefined
            ? `A call to ${call.name} with ${argument} ${given} is over the limit of ${above}.`
            : typeof message === 'string'
              ? message
              : message(call, given),
        ),
      ]
    },
  })
}

/** A value as the approver is shown it: short, whatever the model sent. */
const describe = (value: unknown) => {
  if (value === undefined) return 'missing'
  const text = JSON.stringify(value) ?? typeof value
  return text.length > 40 ? `${text.slice(0, 40)}…` : text
}
