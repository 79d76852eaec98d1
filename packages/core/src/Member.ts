import { Schema } from 'effect'

/**
 * A team's member (at any depth), or a workflow step's agent or team, as the run it works for
 * names it: which definition, and its own run. Its requirements are stored with the run that
 * paused (the root), naming the member whose call they block; decisions go to the member's run.
 */
export class Member extends Schema.Class<Member>('Member')({
  agentId: Schema.NonEmptyString,
  agentName: Schema.String,
  kind: Schema.Literal('agent', 'team'),
  runId: Schema.NonEmptyString,
}) {}
