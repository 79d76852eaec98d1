import { Schema } from 'effect'
import { ApprovalRecord } from '../src/Approval.js'
import { Grant } from '../src/Grant.js'
import { Message, RequirementRecord, RunEvent, RunRecord } from '../src/index.js'
import { sampleApproval, sampleGrant } from '../src/testing/ApprovalConformance.js'
import {
  sampleEvents,
  sampleRequirement,
  sampleResolution,
  sampleRun,
  sampleTranscript,
} from '../src/testing/StoreConformance.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnySchema = Schema.Schema<any, any>

/** The shapes a store keeps, each with sample values (optional fields present and absent). */
export const storedShapes: ReadonlyArray<readonly [string, AnySchema, ReadonlyArray<object>]> = [
  ['RunRecord', RunRecord, [sampleRun('run-1'), sampleRun('run-2', { status: 'paused', kind: 'team' })]],
  ['Message', Message, sampleTranscript()],
  [
    'RequirementRecord',
    RequirementRecord,
    [
      sampleRequirement('run-1', 'req-1'),
      new RequirementRecord({
        ...sampleRequirement('run-1', 'req-2'),
        status: 'resolved',
        resolution: sampleResolution('grace', { approved: true, edits: { amount: 100 } }),
      }),
    ],
  ],
  ['RunEvent', RunEvent, sampleEvents('run-1')],
  ['ApprovalRecord', ApprovalRecord, [sampleApproval('run-1', 'approval-1')]],
  ['Grant', Grant, [sampleGrant('session-1', 'grant-1')]],
]

export interface Tree {
  readonly name: string
  readonly children: ReadonlyArray<Tree>
}

/** A recursive schema. */
export const Tree: Schema.Schema<Tree> = Schema.Struct({
  name: Schema.NonEmptyString,
  children: Schema.Array(Schema.suspend(() => Tree)),
})
