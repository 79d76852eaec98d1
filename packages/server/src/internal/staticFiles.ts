import { createReadStream } from 'node:fs'
import { realpath, stat } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { extname, join, resolve, sep } from 'node:path'
import { pipeline } from 'node:stream/promises'

/*
 * The files of a built web app (the control panel), served beside the API on the same port. Only
 * GET and HEAD, and only what lies inside the directory: anything else is left to the routes after
 * this (tRPC's procedures are paths too, such as `/runs.get`). A page address that names no file
 * gets `index.html`, so that the app's own routes survive a reload. Dotfiles are never served, nor
 * source maps unless asked for; every file goes with headers that keep other sites from framing
 * the app or running anything in it that is not its own.
 */

const contentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.webmanifest': 'application/manifest+json',
}

/** Vite names what it emits under `assets/` by content hash: such a file never changes, so it is cached for good. */
const hashedPrefix = '/assets/'
const immutable = 'public, max-age=31536000, immutable'
/** Everything else (index.html above all) is checked again on each use, against its ETag. */
const revalidate = 'no-cache'

/** Paths of the server's own routes, never answered with a file or the app's page. */
const isServerRoute = (path: string) => path.startsWith('/api/') || path === '/healthz' || path === '/readyz'

const isInside = (root: string, path: string) => path === root || path.startsWith(root + sep)

/** A path with a segment that starts with a dot: `.env`, `.git/config`, and every `..`. */
const isHidden = (path: string) => path.split(/[/\\]/).some((segment) => segment.startsWith('.'))

/*
 * The built app needs nothing but its own origin: its script and stylesheet, and the API over
 * HTTP and WebSocket (`'self'` covers ws: and wss: of the same host), and a `data:` favicon.
 * No page may frame it: a framed panel, signed in, would put live Approve buttons under another
 * site's clicks. `X-Frame-Options` says the same to browsers that predate `frame-ancestors`.
 */
const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

const securityHeaders = {
  'content-security-policy': contentSecurityPolicy,
  'x-frame-options': 'DENY',
  // Addresses of runs and approvals are nobody else's business.
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  // No page this one opens, or that opens it, gets a handle on its window.
  'cross-origin-opener-policy': 'same-origin',
} as const

/** A URL path as the file system reads it; undefined when it cannot be decoded or holds a NUL. */
const decodedPath = (urlPath: string) => {
  try {
    const decoded = decodeURIComponent(urlPath)
    return decoded.includes('\0') ? undefined : decoded
  } catch {
    return undefined
  }
}

/** The regular file a decoded path names inside `root`, following no link out of it; undefined if none. */
const fileAt = async (root: string, path: string) => {
  const candidate = join(root, path)
  if (!isInside(root, candidate)) return undefined
  try {
    const [realRoot, real] = await Promise.all([realpath(root), realpath(candidate)])
    // A link inside the directory to a dotfile in it is a dotfile all the same.
    if (!isInside(realRoot, real) || isHidden(real.slice(realRoot.length))) return undefined
    const stats = await stat(real)
    if (stats.isFile()) return { path: real, stats }
    if (!stats.isDirectory()) return undefined
    const index = join(real, 'index.html')
    const indexStats = await stat(index)
    return indexStats.isFile() ? { path: index, stats: indexStats } : undefined
  } catch {
    return undefined
  }
}

/** A browser asking for a page (a navigation), not a script asking for data. */
const wantsPage = (req: IncomingMessage, path: string) =>
  extname(path) === '' && (req.headers.accept ?? '').includes('text/html')

const send = async (
  req: IncomingMessage,
  res: ServerResponse,
  file: { readonly path: string; readonly stats: { readonly size: number; readonly mtimeMs: number } },
  cacheControl: string,
) => {
  const etag = `W/"${file.stats.size.toString(16)}-${Math.floor(file.stats.mtimeMs).toString(16)}"`
  const headers = {
    'content-type': contentTypes[extname(file.path).toLowerCase()] ?? 'application/octet-stream',
    'cache-control': cacheControl,
    etag,
    'last-modified': new Date(file.stats.mtimeMs).toUTCString(),
    ...securityHeaders,
  }
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers)
    res.end()
    return
  }
  res.writeHead(200, { ...headers, 'content-length': file.stats.size })
  if (req.method === 'HEAD') {
    res.end()
    return
  }
  try {
    await pipeline(createReadStream(file.path), res)
  } catch {
    // The client went away, or the file did mid-read: the response cannot be mended, only ended.
    res.destroy()
  }
}

export interface WebAppOptions {
  /** The built app's directory. */
  readonly dir: string
  /** Whether `.map` files are served (default false: they give the app's source away). */
  readonly sourceMaps?: boolean
}

/**
 * Answers a GET or HEAD with a file of `dir`, or `index.html` for a page the app routes itself;
 * false when the request is someone else's (another method, a server route, a missing file
 * that is not a page, a dotfile, a source map not asked for).
 */
export const staticFiles = ({ dir, sourceMaps = false }: WebAppOptions) => {
  const root = resolve(dir)
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false
    const path = new URL(req.url ?? '/', 'http://localhost').pathname
    if (isServerRoute(path)) return false
    const decoded = decodedPath(path)
    // Neither a dotfile nor what a `..` leads to, not even the app's page in their place.
    if (decoded === undefined || isHidden(decoded)) return false
    const file = await fileAt(root, decoded)
    if (file !== undefined && !sourceMaps && extname(file.path).toLowerCase() === '.map') return false
    if (file !== undefined) {
      await send(req, res, file, path.startsWith(hashedPrefix) ? immutable : revalidate)
      return true
    }
    if (!wantsPage(req, path)) return false
    const index = await fileAt(root, '/index.html')
    if (index === undefined) return false
    await send(req, res, index, revalidate)
    return true
  }
}
