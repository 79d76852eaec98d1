import { initTRPC } from '@trpc/server'
import { nestsDeeperThan, type Principal } from '@countersign/core'
import { approverRoles, isApprover } from './auth.js'
import type { Context } from './context.js'
import {
  errorData,
  mapErrors,
  NestingTooDeep,
  PayloadTooLarge,
  RoleRequired,
  toTRPCError,
  TooManySubscriptions,
  Unauthenticated,
} from './errors.js'
import { withoutTrace } from './internal/safeText.js'
import { once, releasingWhenDone } from './internal/subscriptionSlots.js'

const t = initTRPC.context<Context>().create({
  // Stack traces stay on the server, whatever NODE_ENV says.
  isDev: false,
  errorFormatter: ({ shape, error, ctx }) => {
    // tRPC refuses a body over `maxBodySize` itself, without a cause: it gets the server's typed error.
    const refusedBody =
      error.code === 'PAYLOAD_TOO_LARGE' && error.cause === undefined && ctx !== undefined
        ? toTRPCError(new PayloadTooLarge({ maxBytes: ctx.maxBodySize }))
        : undefined
    const data = errorData(refusedBody ?? error)
    return {
      ...shape,
      message: withoutTrace(shape.message),
      data: { ...shape.data, ...(data === undefined ? {} : { error: data }) },
    }
  },
})

export const router = t.router

/**
 * Any caller, signed in or not: only what reveals nothing (the health of the server is plain
 * HTTP). An input nested deeper than `maxJsonDepth` is refused before any schema reads it.
 */
export const publicProcedure = t.procedure.use(async ({ ctx, getRawInput, next }) => {
  const maxDepth = ctx.guards.limits.maxJsonDepth
  if (nestsDeeperThan(await getRawInput(), maxDepth)) throw toTRPCError(new NestingTooDeep({ maxDepth }))
  return next()
})

/**
 * A caller `authenticate` recognises now (asked again for each WebSocket operation), within its
 * request rate. A subscription takes one of its connection's slots until it ends, and its
 * context's `revoked` aborts once the token no longer names the principal it began for.
 */
export const authedProcedure = publicProcedure.use(async ({ ctx, next, type, signal }) => {
  const principal = await ctx.session.forOperation()
  if (principal === null) throw toTRPCError(new Unauthenticated({ tokenGiven: ctx.session.tokenGiven }))
  try {
    ctx.guards.rate.take(principal.id)
  } catch (error) {
    throw toTRPCError(error)
  }
  const { limits } = ctx.guards
  const authed = { ...ctx, principal: principal satisfies Principal, revoked: ctx.session.revoked }
  if (type !== 'subscription') return next({ ctx: authed })

  const max = limits.maxSubscriptionsPerSocket
  if (ctx.subscriptions.open >= max) throw toTRPCError(new TooManySubscriptions({ maxSubscriptions: max }))
  ctx.subscriptions.open += 1
  // A socket re-checks its token on its own; an HTTP (server-sent events) subscription while it lasts.
  const unwatch = ctx.transport === 'socket' ? undefined : ctx.session.watch(limits.reauthenticateMs)
  const release = once(() => {
    ctx.subscriptions.open -= 1
    unwatch?.()
  })
  // A subscription whose iteration never begins (its socket closed first) ends with its signal.
  signal?.addEventListener('abort', release, { once: true })
  const result = await next({ ctx: authed })
  if (!result.ok) {
    release()
    return result
  }
  return { ...result, data: releasingWhenDone(result.data as AsyncIterable<unknown>, release) }
})

/** A call that works a run: at most `maxConcurrentRuns` of them per principal at once in this process. */
export const runProcedure = authedProcedure.use(({ ctx, next }) =>
  mapErrors(() => ctx.guards.runs.hold(ctx.principal.id, () => next())),
)

/** A caller who sees and decides the approval queue. */
export const approverProcedure = authedProcedure.use(({ ctx, next }) => {
  if (!isApprover(ctx.principal))
    throw toTRPCError(new RoleRequired({ principalId: ctx.principal.id, roles: approverRoles }))
  return next()
})
