import { InterruptedCall, Tool, type ToolContext } from '@countersign/core'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { ErrorCode, McpError, type Tool as McpTool } from '@modelcontextprotocol/sdk/types.js'
import { Either, Schema } from 'effect'
import { type Hints, type AnnotationsPolicy, retriesWhenInterrupted } from '../AnnotationsPolicy.js'
import { answerOf, ElicitationRequest, McpElicitation } from '../McpElicitation.js'
import { McpConnectionLost } from '../McpError.js'
import type { Connection } from './connection.js'
import { formOf } from './elicitForm.js'
import type { HeldCall, HeldCalls, Step } from './heldCalls.js'
import { readResult } from './results.js'

/** Where a toolkit's calls go, and how they are bounded. */
export interface CallSite {
  readonly server: string
  readonly connection: Connection
  readonly held: HeldCalls
  readonly policy: AnnotationsPolicy
  readonly timeoutMs: number
  readonly inputTimeoutMs: number
  readonly maxResultChars: number
}

/** The key the idempotency key travels under in a call's `_meta`. */
export const idempotencyMetaKey = 'countersign/idempotencyKey'

const decodeRequest = Schema.decodeUnknownSync(ElicitationRequest)

/** The connection ended under the call: it may or may not have run. */
const lostConnection = (cause: unknown) =>
  (cause instanceof McpError && cause.code === (ErrorCode.ConnectionClosed as number)) ||
  (cause instanceof TypeError && /fetch failed/i.test(cause.message))

/**
 * The server no longer knows the HTTP session (it restarted): it refused the call, which did not
 * run. The specification answers 404; some servers answer 400 and say why.
 */
const sessionGone = (cause: unknown) =>
  cause instanceof StreamableHTTPError &&
  (cause.code === 404 || (cause.code === 400 && /session/i.test(cause.message)))

/** "Run it again?", for a call whose connection died, or whose question outlived the process or its timeout. */
const askAgain = (args: Readonly<Record<string, unknown>>, ctx: ToolContext, message: string) =>
  Tool.pause([InterruptedCall.need({ message, args: { ...args }, idempotencyKey: ctx.idempotencyKey })])

/**
 * Runs one MCP tool call for a Countersign call, and follows it to its next step. The server's
 * question pauses the run (the request stays open here); the call's next run sends the answer
 * and follows it on.
 */
export const callTool = (site: CallSite, tool: McpTool, hints: Hints) => {
  const start = (client: Client, args: Readonly<Record<string, unknown>>, ctx: ToolContext): HeldCall => {
    const call = site.held.hold(ctx.idempotencyKey, client)
    client
      .callTool(
        { name: tool.name, arguments: { ...args }, _meta: { [idempotencyMetaKey]: ctx.idempotencyKey } },
        undefined,
        // The server's time, plus the longest a person may take to answer its question.
        { signal: call.abort.signal, timeout: site.timeoutMs + site.inputTimeoutMs },
      )
      .then(
        (result) => call.push({ _tag: 'Answered', result: result as never }),
        (cause: unknown) => call.push({ _tag: 'Failed', cause }),
      )
    return call
  }

  const follow = async (
    call: HeldCall,
    args: Readonly<Record<string, unknown>>,
    ctx: ToolContext,
    retried: boolean,
  ): Promise<unknown> => {
    const onAbort = () => call.abandon()
    ctx.signal.addEventListener('abort', onAbort, { once: true })
    const step: Step = await call.next().finally(() => ctx.signal.removeEventListener('abort', onAbort))
    if (step._tag === 'Asks') {
      const form = formOf(step.params.requestedSchema)
      if (Either.isLeft(form)) {
        call.answer({ action: 'cancel' })
        return follow(call, args, ctx, retried)
      }
      return Tool.pause([
        McpElicitation.need(
          {
            message: step.params.message.slice(0, 2_000),
            server: site.server,
            fields: form.right,
            requestedSchema: step.params.requestedSchema,
          },
          { after: site.inputTimeoutMs, onExpire: 'reject' },
        ),
      ])
    }
    site.held.release(ctx.idempotencyKey, call)
    if (step._tag === 'Answered')
      return Either.getOrThrowWith(
        readResult(step.result, site.maxResultChars),
        (reason) => new Error(reason),
      )
    if (sessionGone(step.cause) && !retried) {
      await site.connection.forget(call.client)
      return follow(start(await site.connection.client(), args, ctx), args, ctx, true)
    }
    if (!lostConnection(step.cause)) throw step.cause
    await site.connection.forget(call.client)
    const lost = new McpConnectionLost({ server: site.server, toolName: tool.name })
    if (!retried && retriesWhenInterrupted(site.policy, hints))
      return follow(start(await site.connection.client(), args, ctx), args, ctx, true)
    return askAgain(args, ctx, `${lost.message} Run it again?`)
  }

  return async (args: Readonly<Record<string, unknown>>, ctx: ToolContext): Promise<unknown> => {
    const answer = ctx.answers.findLast((each) => each.kind === McpElicitation.kind)
    const inFlight = site.held.get(ctx.idempotencyKey)
    if (answer !== undefined) {
      if (inFlight === undefined)
        return askAgain(
          args,
          ctx,
          `The MCP server "${site.server}" was waiting for this answer when its call ended (the process stopped, or the answer came too late); the call may or may not have taken effect. Run it again?`,
        )
      const request = decodeRequest(answer.request)
      const { values } = answer.value as { readonly values: Readonly<Record<string, unknown>> }
      // Checked when it was resolved; checked again here against the form it answers.
      inFlight.answer(Either.getOrElse(answerOf(request, values), () => ({ action: 'cancel' as const })))
      return follow(inFlight, args, ctx, false)
    }
    if (inFlight !== undefined) return follow(inFlight, args, ctx, false)
    return follow(start(await site.connection.client(), args, ctx), args, ctx, false)
  }
}
