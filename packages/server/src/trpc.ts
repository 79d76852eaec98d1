import { initTRPC } from '@trpc/server'
import type { Principal } from '@countersign/core'
import { approverRoles, isApprover } from './auth.js'
import type { Context } from './context.js'
import { errorData, PayloadTooLarge, RoleRequired, toTRPCError, Unauthenticated } from './errors.js'

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
    return { ...shape, data: { ...shape.data, ...(data === undefined ? {} : { error: data }) } }
  },
})

export const router = t.router

/** Any caller, signed in or not: only what reveals nothing (the health of the server is plain HTTP). */
export const publicProcedure = t.procedure

/** A caller `authenticate` recognised. */
export const authedProcedure = t.procedure.use(({ ctx, next }) => {
  if (ctx.principal === null) throw toTRPCError(new Unauthenticated())
  return next({ ctx: { ...ctx, principal: ctx.principal satisfies Principal } })
})

/** A caller who sees and decides the approval queue. */
export const approverProcedure = authedProcedure.use(({ ctx, next }) => {
  if (!isApprover(ctx.principal))
    throw toTRPCError(new RoleRequired({ principalId: ctx.principal.id, roles: approverRoles }))
  return next()
})
