/**
 * @countersign/policies — stock policies for Countersign agents, written on the public `Policy`
 * API of `@countersign/core` like anyone's. Register them in an agent's `policies`.
 *
 * - `amountThreshold`: calls moving more than a limit need an approval.
 * - `separationOfDuties`: nobody approves their own request.
 * - `roleGate`: only some roles may resolve the requirements on some tools.
 * - `expiry`: requirements expire after a while, rejecting the call or cancelling the run.
 * - `businessHours`: calls outside working hours need an approval.
 * - `all`, `any`: policies combined.
 */
export { amountThreshold } from './AmountThreshold.js'
export type { AmountThresholdOptions } from './AmountThreshold.js'
export { separationOfDuties } from './SeparationOfDuties.js'
export type { SeparationOfDutiesOptions } from './SeparationOfDuties.js'
export { roleGate } from './RoleGate.js'
export type { RoleGateOptions } from './RoleGate.js'
export { expiry } from './Expiry.js'
export type { ExpiryOptions } from './Expiry.js'
export { businessHours } from './BusinessHours.js'
export type { BusinessHoursOptions } from './BusinessHours.js'
export { all, any } from './Compose.js'
