import type { IncomingMessage, ServerResponse } from 'node:http'
import {
  Approval,
  Approvals,
  type Countersign,
  InvalidRequest,
  nestsDeeperThan,
  type Principal,
} from '@countersign/core'
import { TRPCError } from '@trpc/server'
import { getHTTPStatusCodeFromError } from '@trpc/server/http'
import { Schema } from 'effect'
import { approverRoles, type Authenticate, isApprover, requestPrincipal } from './auth.js'
import type { Guards } from './context.js'
import {
  errorData,
  NestingTooDeep,
  PayloadTooLarge,
  RoleRequired,
  RouteNotFound,
  toTRPCError,
} from './errors.js'
import { retryAfterOf } from './internal/retryAfter.js'
import type { Resumer } from './internal/resume.js'
import { approvalPageView, approvalView } from './views.js'

/*
 * A small REST surface over the approval queue, for bots and scripts that would rather not speak
 * tRPC: the same bearer tokens, roles, schemas and error → status mapping as the procedures.
 *
 *   GET  /api/approvals               the queue (query parameters: the core's ApprovalQuery)
 *   GET  /api/approvals/:id           one approval
 *   POST /api/approvals/:id/resolve   decides it, body: the core's ApprovalAnswer
 *
 * Errors answer `{ error: { _tag, message, ...fields } }` with the status tRPC would use.
 */

export interface RestOptions {
  readonly countersign: Countersign
  readonly authenticate: Authenticate
  readonly maxBodySize: number
  readonly resumer: Resumer
  readonly guards: Guards
}

/** Every `/api/…` path is this module's: an unknown one is a 404 here, not a tRPC procedure. */
const prefix = '/api/'

/** An input that failed its schema, shaped like tRPC's own failure so `errorData` lists the issues. */
class SchemaFailure extends Error {
  constructor(
    readonly issues: ReadonlyArray<{ readonly message: string; readonly path?: ReadonlyArray<unknown> }>,
  ) {
    super('Invalid request')
  }
}

const validate = async <A, I>(schema: Schema.Schema<A, I>, value: unknown): Promise<A> => {
  const result = await Schema.standardSchemaV1(schema)['~standard'].validate(value)
  if (result.issues !== undefined)
    throw new TRPCError({
      code: 'BAD_REQUEST',
      cause: new SchemaFailure(
        result.issues.map((issue) => ({ message: issue.message, path: issue.path ?? [] })),
      ),
    })
  return result.value
}

const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(JSON.stringify(body))
}

/** The error as tRPC would answer it: its status, and the typed error (`_tag`, message, fields). */
export const sendError = (res: ServerResponse, error: unknown) => {
  const trpcError = toTRPCError(error)
  const status = getHTTPStatusCodeFromError(trpcError)
  const data = errorData(trpcError) ?? {
    // Details of an unexpected failure stay on the server, as they do for tRPC.
    _tag: trpcError.code === 'INTERNAL_SERVER_ERROR' ? 'InternalServerError' : trpcError.code,
    message: trpcError.code === 'INTERNAL_SERVER_ERROR' ? 'Internal server error' : trpcError.message,
  }
  // A body refused before it was read: the connection is not reused for what follows it.
  const headers = { ...(status === 413 ? { connection: 'close' } : {}), ...retryAfterOf([error]).headers }
  send(res, status, { error: data }, headers)
}

/** The body, up to `maxBytes`; more is PayloadTooLarge (the rest is drained, not kept). */
export const readBody = (req: IncomingMessage, maxBytes: number) =>
  new Promise<string>((resolve, reject) => {
    const declared = Number(req.headers['content-length'])
    const tooLarge = () => {
      req.removeAllListeners('data')
      req.resume()
      reject(new PayloadTooLarge({ maxBytes }))
    }
    if (Number.isFinite(declared) && declared > maxBytes) return tooLarge()
    const chunks: Array<Buffer> = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBytes) return tooLarge()
      chunks.push(chunk)
    })
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.once('error', reject)
  })

const parseJson = (text: string, maxDepth: number): unknown => {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new InvalidRequest({ reason: 'the body is not JSON' })
  }
  if (nestsDeeperThan(parsed, maxDepth)) throw new NestingTooDeep({ maxDepth })
  return parsed
}

/** Query parameters that the core's ApprovalQuery reads as numbers. */
const numericParams = new Set(['offset', 'limit', 'createdFrom', 'createdTo'])
const queryParams = new Set(Object.keys(Approval.ApprovalQuery.fields))

/** The query string as the fields of an ApprovalQuery, numbers where it wants numbers; the schema judges the rest. */
const approvalQueryOf = (params: URLSearchParams) => {
  const query: Record<string, unknown> = {}
  for (const key of new Set(params.keys())) {
    if (!queryParams.has(key)) throw new InvalidRequest({ reason: `unknown query parameter "${key}"` })
    const values = params.getAll(key)
    if (values.length > 1) throw new InvalidRequest({ reason: `the query parameter "${key}" is repeated` })
    const value = values[0]!
    query[key] = numericParams.has(key) && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value
  }
  return query
}

const encodeQuery = Schema.encodeSync(Approval.ApprovalQuery)
const encodeAnswer = Schema.encodeSync(Approvals.ApprovalAnswer)

const decodeSegment = (segment: string) => {
  try {
    return decodeURIComponent(segment)
  } catch {
    throw new InvalidRequest({ reason: 'the approval id is not a valid URL segment' })
  }
}

/** The caller, who must be an approver or an admin, within their request rate. */
const approver = async (req: IncomingMessage, options: RestOptions): Promise<Principal> => {
  const principal = await requestPrincipal(options.authenticate, req.headers.authorization)
  if (!isApprover(principal)) throw new RoleRequired({ principalId: principal.id, roles: approverRoles })
  options.guards.rate.take(principal.id)
  return principal
}

/**
 * Answers a request under `/api/`; false for any other path (left to tRPC). Authentication and
 * the role come before the body is read.
 */
export const handleRest = async (
  req: IncomingMessage,
  res: ServerResponse,
  options: RestOptions,
): Promise<boolean> => {
  const url = new URL(req.url ?? '/', 'http://localhost')
  if (!url.pathname.startsWith(prefix)) return false
  const method = req.method ?? 'GET'
  const segments = url.pathname.slice(prefix.length).split('/')
  const { countersign } = options
  try {
    if (segments[0] !== 'approvals' || segments.length > 3 || segments.some((segment) => segment === ''))
      throw new RouteNotFound({ method, path: url.pathname })
    const [, rawId, action] = segments
    if (method === 'GET' && rawId === undefined) {
      await approver(req, options)
      const query = await validate(Approval.ApprovalQuery, approvalQueryOf(url.searchParams))
      send(res, 200, approvalPageView(await countersign.approvals.list(encodeQuery(query))))
    } else if (method === 'GET' && rawId !== undefined && action === undefined) {
      await approver(req, options)
      send(res, 200, approvalView(await countersign.approvals.get(decodeSegment(rawId))))
    } else if (method === 'POST' && rawId !== undefined && action === 'resolve') {
      const principal = await approver(req, options)
      const approvalId = decodeSegment(rawId)
      const answer = await validate(
        Approvals.ApprovalAnswer,
        parseJson(await readBody(req, options.maxBodySize), options.guards.limits.maxJsonDepth),
      )
      const decided = await countersign.approvals.decide(approvalId, encodeAnswer(answer), {
        principal,
        expectedStatus: 'pending',
      })
      options.resumer.afterDecision(decided.runId, principal)
      send(res, 200, approvalView(decided))
    } else {
      throw new RouteNotFound({ method, path: url.pathname })
    }
  } catch (error) {
    sendError(res, error)
  }
  return true
}
