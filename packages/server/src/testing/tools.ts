import { approval, Tool } from '@countersign/core'
import { Schema } from 'effect'

/** The test servers' refund: every call waits for a required approval, then answers `refunded <amount>`. */
export const processRefund = Tool.make({
  name: 'process_refund',
  description: 'Refund',
  parameters: Schema.Struct({ amount: Schema.Number }),
  approval: approval({ type: 'required' }),
  execute: ({ amount }) => `refunded ${amount}`,
})
