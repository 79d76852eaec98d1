import { Clock, type Context, Duration, Effect, Either, Schema } from 'effect'
import * as Approval from '../Approval.js'
import { ApprovalRecord, type CallOutcome } from '../Approval.js'
import {
  DefinitionError,
  type ModelError,
  type RunFailure,
  type StoreError,
  UnexpectedError,
  type WriteError,
} from '../Errors.js'
import * as Grant from '../Grant.js'
import { IdGenerator } from '../IdGenerator.js'
import { sameJson } from '../Json.js'
import type { Message, ToolCall, ToolMessage } from '../Message.js'
import * as Model from '../Model.js'
import * as Policy from '../Policy.js'
import type { Principal } from '../Principal.js'
import { ownerRunId, RequirementRecord } from '../Requirement.js'
import { InterruptedCall } from '../plugins/InterruptedCall.js'
import { ModelFailure } from '../plugins/ModelFailure.js'
import { RequiredApproval } from '../plugins/RequiredApproval.js'
import { type AnyRequirementPlugin, type Expiry, Outcome, type Need } from '../RequirementPlugin.js'
import { RunStore } from '../RunStore.js'
import * as Usage from '../Usage.js'
import { isDelegation } from '../Team.js'
import type { Actor } from '../Runnable.js'
import { type CallAnswer, CallPause, type Tool } from '../Tool.js'
import { delegate } from './delegation.js'
import { describe } from './describe.js'
import type { RunWriter } from './RunWriter.js'
import { Background } from './background.js'
import { addFinalizer } from './scopedRelease.js'
import type { DriveToStop, Interrupted, Stop } from './stop.js'

/**
 * How long model output may wait to be stored and published: output is stored in batches, so
 * a fast model costs few writes and a slow one still streams.
 */
const outputFlushDelay = Duration.millis(20)

const idempotencyKey = (writer: RunWriter<Actor>, call: ToolCall) => `${writer.run.runId}:${call.id}`

/** The calls of the last model turn that have no result yet. */
const unansweredCalls = (messages: ReadonlyArray<Message>): ReadonlyArray<ToolCall> => {
  const answered = new Set<string>()
  for (let index = messages.length - 1; index >= 0; index--) {
    const message = messages[index]!
    if (message._tag === 'Tool') answered.add(message.toolCallId)
    else if (message._tag === 'Assistant') return message.toolCalls.filter((call) => !answered.has(call.id))
    else return []
  }
  return []
}

const lastAssistantContent = (messages: ReadonlyArray<Message>) =>
  messages.findLast((message) => message._tag === 'Assistant')?.content ?? ''

/** A result as the model reads it, and as stored: JSON, whatever the tool returned. */
const normalise = (result: unknown): { content: string; result?: unknown } => {
  if (result === undefined) return { content: '' }
  if (typeof result === 'string') return { content: result, result }
  try {
    const json = JSON.stringify(result)
    return { content: json, result: JSON.parse(json) as unknown }
  } catch {
    return { content: '[a result that is not JSON]' }
  }
}

const argsIfChanged = (call: ToolCall, args: Readonly<Record<string, unknown>>) =>
  sameJson(args, call.args) ? {} : { args: { ...args } }

const toolMessage = (
  call: ToolCall,
  outcome: ToolMessage['outcome'],
  body: { content: string; result?: unknown; args?: Record<string, unknown> },
) => ({ _tag: 'Tool', toolCallId: call.id, toolName: call.name, outcome, ...body }) satisfies ToolMessage

/** Records a call's result for the model, and tells listeners it completed. */
const completed = (
  writer: RunWriter<Actor>,
  call: ToolCall,
  outcome: 'completed' | 'external',
  result: unknown,
  args: Readonly<Record<string, unknown>> = call.args,
): Effect.Effect<CallOutcome> => {
  const body = normalise(result)
  writer.append(toolMessage(call, outcome, { ...body, ...argsIfChanged(call, args) }))
  return writer
    .emit({
      _tag: 'ToolCallCompleted',
      runId: writer.run.runId,
      toolCallId: call.id,
      toolName: call.name,
      ...('result' in body ? { result: body.result } : {}),
    })
    .pipe(Effect.as({ status: 'completed' as const, ...('result' in body ? { result: body.result } : {}) }))
}

/** Records a call's failure for the model, and tells listeners. */
const failed = (
  writer: RunWriter<Actor>,
  call: ToolCall,
  reason: string,
  args: Readonly<Record<string, unknown>> = call.args,
) => {
  writer.append(toolMessage(call, 'failed', { content: `Error: ${reason}`, ...argsIfChanged(call, args) }))
  return writer
    .emit({
      _tag: 'ToolCallFailed',
      runId: writer.run.runId,
      toolCallId: call.id,
      toolName: call.name,
      error: reason,
    })
    .pipe(Effect.as({ status: 'failed' as const, error: reason } satisfies CallOutcome))
}

/** A call that paused its run from inside (`Tool.pause`): it has no result yet. */
interface PausedCall {
  readonly status: 'paused'
  readonly args: Readonly<Record<string, unknown>>
  readonly needs: ReadonlyArray<Need>
}

/** Runs the call with the arguments decided, stored as started first. */
const execute = Effect.fnUntraced(function* (
  writer: RunWriter<Actor>,
  call: ToolCall,
  args: ToolCall['args'],
  answers: ReadonlyArray<CallAnswer>,
) {
  const tool = writer.agent.tools.get(call.name)
  yield* writer.emit({
    _tag: 'ToolCallStarted',
    runId: writer.run.runId,
    toolCall: { ...call, args: { ...args } },
    ...(tool?.flags.approval?.type === 'audit' ? { audited: true as const } : {}),
  })
  if (tool === undefined) return yield* failed(writer, call, `there is no tool named "${call.name}"`)
  // Stored before it runs: should this process die now, the call is known to have started.
  yield* writer.flush
  const result = yield* Effect.either(
    tool.run(args, {
      runId: writer.run.runId,
      toolCallId: call.id,
      idempotencyKey: idempotencyKey(writer, call),
      principal: writer.run.principal,
      answers,
    }),
  )
  if (Either.isRight(result) && result.right instanceof CallPause)
    return { status: 'paused' as const, args, needs: result.right.needs }
  return yield* Either.isRight(result)
    ? completed(writer, call, 'completed', result.right, args)
    : failed(writer, call, result.left.reason, args)
})

/**
 * Carries out what was decided for one call, recording its result for the model; `answers` are
 * the decisions it is resumed with.
 */
const settle = (
  writer: RunWriter<Actor>,
  call: ToolCall,
  outcome: Outcome,
  answers: ReadonlyArray<CallAnswer> = [],
): Effect.Effect<CallOutcome | PausedCall, WriteError> =>
  Outcome.$match(outcome, {
    Execute: ({ args }) => execute(writer, call, args, answers),
    Skip: ({ message }) =>
      Effect.sync(() => {
        writer.append(toolMessage(call, 'skipped', { content: message }))
        return { status: 'skipped', error: message } satisfies CallOutcome
      }),
    Result: ({ result }) => completed(writer, call, 'external', result),
    Fail: ({ error }) => failed(writer, call, error),
  })

/** What was decided for a call, and the kinds whose answers settled its arguments (see `decided`). */
interface Decided {
  readonly outcome: Outcome
  /** Kinds answered with arguments (a form, an edit): the call they made is judged again, without them. */
  readonly supplied: ReadonlySet<string>
}

/** Kinds whose answers are arguments (forms): asked before the requirements that judge them. */
const suppliesArguments = (plugin: AnyRequirementPlugin) => plugin.answers === 'user_input'

/**
 * Folds a call's resolved requirements, in order, into what happens to it, starting from the
 * arguments they were shown (`judged`, the call as their pause stored it).
 */
const decided = (
  writer: RunWriter<Actor>,
  judged: ToolCall,
  requirements: ReadonlyArray<RequirementRecord>,
): Effect.Effect<Decided, DefinitionError> =>
  Effect.try({
    try: () => {
      let outcome: Outcome = Outcome.Execute({ args: judged.args })
      const supplied = new Set<string>()
      for (const requirement of requirements) {
        if (outcome._tag !== 'Execute') break
        if (requirement.resolution?.lapsed !== undefined)
          return {
            outcome: Outcome.Skip({
              message: `Nobody decided on the call to ${judged.name} in time (the ${requirement.kind} ${requirement.resolution.lapsed}); it was not executed.`,
            }),
            supplied,
          }
        const plugin = writer.agent.plugins.get(requirement.kind)
        if (plugin === undefined || requirement.resolution === undefined)
          throw new Error(`requirement ${requirement.id} of kind "${requirement.kind}" cannot be applied`)
        const before = outcome.args
        outcome = plugin.outcome({
          call: judged,
          request: Schema.decodeUnknownSync(plugin.request)(requirement.request) as unknown,
          resolution: Schema.decodeUnknownSync(plugin.resolution)(requirement.resolution.value) as unknown,
          args: before,
        })
        if (
          (suppliesArguments(plugin) && !plugin.duringCall) ||
          (outcome._tag === 'Execute' && !sameJson(outcome.args, before))
        )
          supplied.add(requirement.kind)
      }
      return { outcome, supplied }
    },
    catch: (cause) =>
      new DefinitionError({
        subject: `tool call ${judged.id}`,
        reason: describe(cause),
      }),
  })

const policyContext = (writer: RunWriter<Actor>, tool: Tool, call: ToolCall): Policy.PolicyContext => ({
  tool,
  call,
  runId: writer.run.runId,
  agentId: writer.agent.id,
  sessionId: writer.run.sessionId,
  principal: writer.run.principal,
})

const millis = (expiry: Expiry) => Duration.toMillis(Duration.decode(expiry.after))

/** The earliest of a requirement's own deadline and those the policies set. */
const earliest = (deadlines: ReadonlyArray<Expiry | undefined>) =>
  deadlines
    .filter((expiry): expiry is Expiry => expiry !== undefined)
    .reduce<Expiry | undefined>(
      (soonest, expiry) => (soonest === undefined || millis(expiry) < millis(soonest) ? expiry : soonest),
      undefined,
    )

/**
 * One sign-off per call: the approvals asked for by the tool and by policies are one approval,
 * stamped with the agent, team or workflow whose run it pauses, expiring at the earliest deadline any of them set.
 */
const oneApproval = (writer: RunWriter<Actor>, needs: ReadonlyArray<Need>): ReadonlyArray<Need> => {
  const approvals = needs.filter((need) => need.plugin.kind === Approval.kind)
  if (approvals.length === 0) return needs
  const requests = approvals.map((need) => need.request as typeof RequiredApproval.request.Type)
  const first = requests[0]!
  // Reminders and escalation as the first that plans any (the tool's, else a policy's).
  const followUps = requests.find((request) => request.followUps !== undefined)?.followUps
  const merged = RequiredApproval.need(
    { ...first, ...(followUps === undefined ? {} : { followUps }), source: writer.root.source },
    earliest(approvals.map((need) => need.expiry)),
  )
  return [...needs.filter((need) => need.plugin.kind !== Approval.kind), merged]
}

/** Everything the tool and the policies require of this call, with deadlines. Policies fail closed. */
const needsOf = Effect.fnUntraced(function* (writer: RunWriter<Actor>, tool: Tool, call: ToolCall) {
  const own = Either.try({
    try: () => tool.needs(call),
    catch: describe,
  })
  if (Either.isLeft(own)) return Either.left(`invalid arguments: ${own.left}`)
  const context = policyContext(writer, tool, call)
  const { policies } = writer.agent
  const fromPolicies = yield* Effect.forEach(policies, (policy) => Policy.evaluate(policy, context))
  const needs = oneApproval(writer, [...own.right, ...fromPolicies.flat()])
  return Either.right(
    yield* Effect.forEach(needs, (need) =>
      Effect.map(
        Effect.forEach(policies, (policy) => Policy.expiry(policy, context, need.plugin.kind)),
        (deadlines) => {
          const expiry = earliest([need.expiry, ...deadlines])
          return expiry === undefined ? need : need.plugin.need(need.request, expiry)
        },
      ),
    ),
  )
})

/** An approval written when a call is let through, or has run: decided already. */
const decidedApproval = (
  writer: RunWriter<Actor>,
  call: ToolCall,
  fields: Pick<ApprovalRecord, 'type' | 'status' | 'resolvedBy'> &
    Partial<Pick<ApprovalRecord, 'grantId' | 'note' | 'outcome'>>,
): Effect.Effect<ApprovalRecord, never, IdGenerator> =>
  Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis
    const run = writer.run
    return new ApprovalRecord({
      id: yield* (yield* IdGenerator).next,
      runId: writer.root.runId,
      ...(run.sessionId === undefined ? {} : { sessionId: run.sessionId }),
      ...(run.userId === undefined ? {} : { userId: run.userId }),
      source: writer.root.source,
      ...(writer.member === undefined ? {} : { member: writer.member }),
      toolName: call.name,
      toolCallId: call.id,
      toolArgs: call.args,
      requestedBy: run.principal,
      resolvedAt: now,
      createdAt: now,
      runStatus: 'running',
      ...fields,
    })
  })

/**
 * Lets the call through on an active grant of its principal's session, if there is one: the
 * grant's use is recorded with its approval. A `once` grant another run used first is passed over.
 */
const throughGrant = (
  writer: RunWriter<Actor>,
  call: ToolCall,
): Effect.Effect<boolean, WriteError, RunStore | IdGenerator> =>
  Effect.gen(function* () {
    const sessionId = writer.run.sessionId
    if (sessionId === undefined) return false
    const store = yield* RunStore
    const grants = yield* store.listGrants({
      sessionId,
      sourceId: writer.agent.id,
      toolName: call.name,
      status: 'active',
    })
    const site = { principalId: writer.run.principal.id, sessionId, sourceId: writer.agent.id }
    for (const grant of grants.filter((grant) => Grant.covers(grant, site, call))) {
      // Only the run's writer spends a grant.
      if (!writer.hasClaimed) yield* writer.flush
      const use = yield* decidedApproval(writer, call, {
        type: 'required',
        status: 'approved',
        resolvedBy: grant.grantedBy,
        grantId: grant.id,
        note: `Let through by ${grant.scope} grant ${grant.id}`,
      })
      const used = yield* Effect.either(store.useGrant(grant.id, use))
      if (Either.isRight(used)) return true
      if (used.left._tag === 'StoreError') return yield* used.left
    }
    return false
  })

/** Records a call of an audited tool, once it has run (or was turned down). */
const audit = (
  writer: RunWriter<Actor>,
  call: ToolCall,
  outcome: CallOutcome,
  decidedBy: Principal,
): Effect.Effect<void, StoreError, RunStore | IdGenerator> =>
  Effect.gen(function* () {
    const store = yield* RunStore
    const record = yield* decidedApproval(writer, call, {
      type: 'audit',
      status: outcome.status === 'skipped' ? 'rejected' : 'approved',
      resolvedBy: decidedBy,
      outcome,
    })
    yield* store.recordApproval(record)
  })

const askAgain = (writer: RunWriter<Actor>, call: ToolCall) =>
  InterruptedCall.need({
    message: `The call to ${call.name} was running when its process stopped; it may or may not have taken effect. Run it again?`,
    args: { ...call.args },
    idempotencyKey: idempotencyKey(writer, call),
  })

interface Gated {
  /** The call as its requirements are shown it: the model's, with the arguments they judge. */
  readonly call: ToolCall
  readonly needs: ReadonlyArray<Need>
  /** What the members a delegation call handed its task to are waiting for. */
  readonly raised?: ReadonlyArray<RequirementRecord>
}

/**
 * Runs what was decided for `call` (its arguments as `judged`), and records it if the tool is
 * audited; a call paused from inside is gated again, with the arguments it runs with.
 */
const settleAudited = Effect.fnUntraced(function* (
  writer: RunWriter<Actor>,
  gated: Array<Gated>,
  call: ToolCall,
  judged: ToolCall,
  outcome: Outcome,
  decidedBy: Principal,
  answers: ReadonlyArray<CallAnswer>,
) {
  const done = yield* settle(writer, call, outcome, answers)
  if (done.status === 'paused') return gated.push({ call: { ...call, args: done.args }, needs: done.needs })
  if (writer.agent.tools.get(call.name)?.flags.approval?.type === 'audit')
    yield* audit(writer, judged, done, decidedBy)
})

/**
 * Asks what the tool and the policies require of the call with these arguments, but for the
 * kinds already answered with them; runs it if nothing is left, else gates it.
 */
const judge = Effect.fnUntraced(function* (
  writer: RunWriter<Actor>,
  gated: Array<Gated>,
  call: ToolCall,
  judged: ToolCall,
  answered: ReadonlySet<string>,
  answers: ReadonlyArray<CallAnswer>,
) {
  const tool = writer.agent.tools.get(call.name)
  if (tool === undefined) return yield* settle(writer, call, Outcome.Execute({ args: judged.args }))
  const needs = yield* needsOf(writer, tool, judged)
  if (Either.isLeft(needs)) return yield* failed(writer, call, needs.left, judged.args)
  const asked = needs.right.filter((need) => !answered.has(need.plugin.kind))
  const supplying = asked.filter((need) => suppliesArguments(need.plugin))
  if (supplying.length > 0) return gated.push({ call: judged, needs: supplying })
  const granted =
    asked.some((need) => need.plugin.kind === Approval.kind) && (yield* throughGrant(writer, judged))
  const remaining = granted ? asked.filter((need) => need.plugin.kind !== Approval.kind) : asked
  if (remaining.length > 0) return gated.push({ call: judged, needs: remaining })
  return yield* settleAudited(
    writer,
    gated,
    call,
    judged,
    Outcome.Execute({ args: judged.args }),
    writer.run.principal,
    answers,
  )
})

/**
 * Works through one batch of calls in order: calls whose requirements are resolved run as
 * decided, calls that need nothing run now, and the calls that need a person are returned
 * untouched.
 *
 * A call runs only with arguments that every requirement and policy on it saw. Arguments are
 * asked for first (forms), on their own; once answered, or changed by any answer, the call is
 * judged afresh with its new arguments, so an approval covers exactly what runs.
 */
const settleBatch = Effect.fnUntraced(function* (
  writer: RunWriter<Actor>,
  calls: ReadonlyArray<ToolCall>,
  resolved: ReadonlyArray<RequirementRecord>,
  interrupted: Interrupted | undefined,
) {
  const gated: Array<Gated> = []
  for (const call of calls) {
    if (isDelegation(writer.agent, call.name)) {
      const delegated = yield* delegate(
        writer as RunWriter<typeof writer.agent>,
        call,
        resolved,
        interrupted?.then ?? 'retry',
        driveToStop,
      )
      if (delegated._tag === 'Paused') gated.push({ call, needs: [], raised: delegated.raised })
      else if (delegated._tag === 'Completed') yield* completed(writer, call, 'completed', delegated.content)
      else yield* failed(writer, call, delegated.error)
      continue
    }
    // Checked first: an interrupted call may have run already, whatever was decided for it.
    const startedWith = interrupted?.calls.get(call.id)
    if (startedWith !== undefined) {
      const started = { ...call, args: startedWith }
      if (interrupted?.then === 'retry')
        yield* settleAudited(
          writer,
          gated,
          call,
          started,
          Outcome.Execute({ args: startedWith }),
          writer.run.principal,
          [],
        )
      else gated.push({ call: started, needs: [askAgain(writer, started)] })
      continue
    }
    const requirements = resolved.filter(
      (requirement) => requirement.toolCall.id === call.id && ownerRunId(requirement) === writer.run.runId,
    )
    if (requirements.length === 0) {
      yield* judge(writer, gated, call, call, new Set(), [])
      continue
    }
    // One pause's requirements on a call are shown the same arguments.
    const judged = requirements[0]!.toolCall
    const { outcome, supplied } = yield* decided(writer, judged, requirements)
    const answers = requirements.map((requirement) => ({
      kind: requirement.kind,
      request: requirement.request,
      value: requirement.resolution?.value,
    }))
    if (outcome._tag === 'Execute' && supplied.size > 0)
      yield* judge(writer, gated, call, { ...judged, args: outcome.args }, supplied, answers)
    else
      yield* settleAudited(
        writer,
        gated,
        call,
        judged,
        outcome,
        requirements.at(-1)!.resolution!.resolvedBy,
        answers,
      )
  }
  return gated
})

/**
 * Commits the pause. A root run stores the requirements with it; a member's run leaves them to
 * its root, which stores them with its own pause, naming the member.
 */
const pause = Effect.fnUntraced(function* (writer: RunWriter<Actor>, gated: ReadonlyArray<Gated>) {
  const ids = yield* IdGenerator
  const now = yield* Clock.currentTimeMillis
  const requirements: Array<RequirementRecord> = []
  for (const { call, needs, raised = [] } of gated) {
    requirements.push(...raised)
    for (const need of needs) {
      if (writer.agent.plugins.get(need.plugin.kind) !== need.plugin)
        return yield* new DefinitionError({
          subject: `agent "${writer.agent.id}"`,
          reason: `requirement kind "${need.plugin.kind}" is used by tool "${call.name}" but not registered in the agent's plugins`,
        })
      requirements.push(
        new RequirementRecord({
          id: yield* ids.next,
          runId: writer.root.runId,
          epoch: writer.root.epoch,
          kind: need.plugin.kind,
          toolCall: call,
          request: Schema.encodeSync(need.plugin.request)(need.request),
          status: 'pending',
          createdAt: now,
          ...(need.expiry === undefined
            ? {}
            : { expiresAt: now + millis(need.expiry), onExpire: need.expiry.onExpire }),
          ...(writer.member === undefined ? {} : { member: writer.member }),
        }),
      )
    }
  }
  yield* writer.commit(
    { _tag: 'RunPaused', runId: writer.run.runId, requirements },
    {
      status: 'paused',
      content: lastAssistantContent(writer.messages),
      pendingRequirementIds: requirements.map((requirement) => requirement.id),
    },
    writer.member === undefined ? requirements : [],
  )
  return { _tag: 'Paused', raised: requirements } satisfies Stop
})

const callModel = Effect.fnUntraced(function* (writer: RunWriter<Actor>) {
  const { agent } = writer
  const runId = writer.run.runId
  yield* writer.emit({ _tag: 'ModelRequestStarted', runId, model: agent.model.id })
  // A resumed run claims itself before it spends anything on the model.
  if (!writer.hasClaimed) yield* writer.flush
  let content = ''
  const toolCalls: Array<ToolCall> = []
  const invalid = new Map<string, string>()
  let usage: Usage.Usage | undefined
  // Asked for at the first text: a turn that only calls tools has no output to flush before its end.
  let background: Context.Tag.Service<Background> | undefined
  const pull = yield* Model.pull(agent.model, {
    instructions: agent.instructions,
    messages: [...writer.messages],
    tools: [...agent.tools.values()].map((tool) => ({
      name: tool.name,
      description: tool.description,
      parameters: tool.modelParameters,
    })),
  })
  for (;;) {
    const pulled = yield* pull
    if (pulled === undefined) break
    for (const chunk of pulled) {
      if (chunk._tag === 'ToolCall') {
        toolCalls.push(chunk.call)
        continue
      }
      if (chunk._tag === 'InvalidToolCall') {
        // Kept in the transcript with no arguments, and answered at once: it never runs.
        toolCalls.push({ id: chunk.id, name: chunk.name, args: {} })
        invalid.set(chunk.id, `${invalidArguments} (${chunk.reason}): ${chunk.args.slice(0, 200)}`)
        continue
      }
      if (chunk._tag === 'Usage') {
        usage = usage === undefined ? chunk.usage : Usage.add(usage, chunk.usage)
        continue
      }
      content += chunk.text
      yield* writer.emit({ _tag: 'RunContent', runId, delta: chunk.text })
      if (background === undefined) {
        background = yield* Background
        yield* addFinalizer(writer.cancelFlush)
      }
      // One flush waits at a time: the text that comes meanwhile goes with it.
      writer.flushWithin(outputFlushDelay, background)
    }
  }
  if (usage !== undefined) writer.spent(usage)
  yield* writer.emit({
    _tag: 'ModelRequestCompleted',
    runId,
    model: agent.model.id,
    ...(usage === undefined ? {} : { usage }),
  })
  return { content, toolCalls, invalid }
}, Effect.scoped)

/** How many turns in a row a model may send unreadable tool arguments before the run fails. */
const maxInvalidTurns = 2

/** How an unreadable call's failure begins, as the model reads it (see `failed`). */
const invalidArguments = 'the arguments were not a JSON object'

/** How many of the last model turns, in a row, asked for calls whose arguments were unreadable. */
const invalidTurnsInARow = (messages: ReadonlyArray<Message>) => {
  let turns = 0
  let invalidHere = false
  for (let index = messages.length - 1; index >= 0; index--) {
    const message = messages[index]!
    if (message._tag === 'Tool') invalidHere ||= message.content.startsWith(`Error: ${invalidArguments}`)
    else if (message._tag === 'Assistant') {
      if (!invalidHere) return turns
      turns += 1
      invalidHere = false
    } else return turns
  }
  return turns
}

/** The call a model failure's requirement names: the model turn it blocks. */
const modelTurn = (writer: RunWriter<Actor>): ToolCall => ({
  id: `countersign:model-turn:${writer.messages.filter((message) => message._tag === 'Assistant').length + 1}`,
  name: writer.agent.model.id,
  args: {},
})

/** Pauses the run for a person to say whether to ask the model again (see `ModelFailure`). */
const pauseOnModelFailure = (writer: RunWriter<Actor>, error: ModelError) =>
  pause(writer, [
    {
      call: modelTurn(writer),
      needs: [
        ModelFailure.need({
          message: `The model failed to answer (${error.reason}); nothing done or decided is lost. Ask it again?`,
          model: error.model,
          reason: error.reason,
          ...(error.status === undefined ? {} : { status: error.status }),
          ...(error.code === undefined ? {} : { code: error.code }),
        }),
      ],
    },
  ])

/**
 * What was decided about a model failure the run paused on, if it did: ask the model again
 * (`Execute`), or end the run (`Skip`, with why).
 */
const afterModelFailure = (writer: RunWriter<Actor>, resolved: ReadonlyArray<RequirementRecord>) => {
  const failure = resolved.find(
    (requirement) => requirement.kind === ModelFailure.kind && ownerRunId(requirement) === writer.run.runId,
  )
  return failure === undefined
    ? Effect.succeed(undefined)
    : Effect.map(decided(writer, failure.toolCall, [failure]), ({ outcome }) => outcome)
}

/**
 * Runs the agent loop from wherever the transcript stands until the run pauses or completes:
 * first the unanswered calls of the last turn (with `resolved`, the requirements just decided,
 * and `interrupted`, the calls a dead writer left), then model turns until one asks for no tool.
 */
const drive = Effect.fnUntraced(function* (
  writer: RunWriter<Actor>,
  resolved: ReadonlyArray<RequirementRecord>,
  interrupted: Interrupted | undefined,
) {
  let decisions = resolved
  let died = interrupted
  const retry = yield* afterModelFailure(writer, resolved)
  if (retry !== undefined && retry._tag !== 'Execute') {
    const error = retry._tag === 'Skip' ? retry.message : 'the model failed'
    yield* writer.commit(
      { _tag: 'RunFailed', runId: writer.run.runId, error },
      { status: 'failed', error, pendingRequirementIds: [] },
    )
    return { _tag: 'Failed', error } satisfies Stop
  }
  for (;;) {
    const pending = unansweredCalls(writer.messages)
    if (pending.length > 0) {
      const gated = yield* settleBatch(writer, pending, decisions, died)
      decisions = []
      died = undefined
      if (gated.length > 0) return yield* pause(writer, gated)
      continue
    }
    const answered = yield* Effect.either(callModel(writer))
    if (Either.isLeft(answered)) {
      const error = answered.left
      // What asking again may fix waits for a person; anything else ends the run.
      if (error._tag === 'ModelError' && error.retryable === true)
        return yield* pauseOnModelFailure(writer, error)
      return yield* Effect.fail(error)
    }
    const turn = answered.right
    writer.append({ _tag: 'Assistant', content: turn.content, toolCalls: turn.toolCalls })
    for (const call of turn.toolCalls) {
      const reason = turn.invalid.get(call.id)
      if (reason !== undefined) yield* failed(writer, call, reason)
    }
    if (turn.invalid.size > 0 && invalidTurnsInARow(writer.messages) > maxInvalidTurns) {
      const error = `the model sent tool arguments that were not JSON ${maxInvalidTurns + 1} turns in a row`
      yield* writer.commit(
        { _tag: 'RunFailed', runId: writer.run.runId, error },
        { status: 'failed', error, pendingRequirementIds: [] },
      )
      return { _tag: 'Failed', error } satisfies Stop
    }
    if (turn.toolCalls.length === 0) {
      yield* writer.commit(
        { _tag: 'RunCompleted', runId: writer.run.runId, content: turn.content },
        { status: 'completed', content: turn.content, pendingRequirementIds: [] },
      )
      return { _tag: 'Completed', content: turn.content } satisfies Stop
    }
  }
})

/**
 * Records a stretch's failure as its run's ending: losing the run to another writer, or the
 * store failing, records nothing, and the run is left as stored, for its new writer or for
 * `recoverRun`.
 */
export const endingOnFailure = <A, R>(
  writer: RunWriter,
  stretch: Effect.Effect<A, RunFailure, R>,
): Effect.Effect<A | Extract<Stop, { _tag: 'Failed' }>, WriteError, R> =>
  stretch.pipe(
    Effect.catchAllDefect((defect) => Effect.fail(new UnexpectedError({ reason: describe(defect) }))),
    Effect.catchIf(
      (error): error is Exclude<typeof error, WriteError> =>
        error._tag !== 'RunClaimed' && error._tag !== 'StoreError',
      (error) =>
        writer
          .commit(
            { _tag: 'RunFailed', runId: writer.run.runId, error: error.message },
            { status: 'failed', error: error.message, pendingRequirementIds: [] },
          )
          .pipe(Effect.as({ _tag: 'Failed' as const, error: error.message })),
    ),
  )

/** Drives a run (see `drive`) to its next stop; a failure of the run is recorded as its ending. */
export const driveToStop: DriveToStop = (writer, resolved, interrupted) =>
  endingOnFailure(writer, drive(writer, resolved, interrupted))
