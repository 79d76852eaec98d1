import { request } from 'node:http'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, staticTokens, type CountersignServer } from '../src/index.js'

/** A request sent with its path exactly as written (fetch would normalise `..` away), answered in full. */
const get = (
  port: number,
  path: string,
  options: { readonly method?: string; readonly headers?: Record<string, string> } = {},
) =>
  new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>(
    (resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers ?? {} },
        (res) => {
          let body = ''
          res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk))
          res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
        },
      )
      req.once('error', reject)
      req.end()
    },
  )

const page = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' }

const fixture = mkdtempSync(join(tmpdir(), 'countersign-webapp-'))
const dir = join(fixture, 'dist')
const indexHtml = '<!doctype html><title>panel</title>'
const script = 'console.log("panel")'
const secret = 'not for the web'
const sourceMap = '{"version":3,"sources":["../../src/App.tsx"]}'

const servers: Array<CountersignServer> = []
const serve = async (webApp?: { readonly dir: string; readonly sourceMaps?: boolean }) => {
  const server = createServer({
    agents: [],
    sweepEvery: false,
    authenticate: staticTokens({ 'alice-token': { id: 'alice', roles: ['user'] } }),
    ...(webApp === undefined ? {} : { webApp }),
  })
  servers.push(server)
  return (await server.listen(0)).port
}

let port: number
beforeAll(async () => {
  mkdirSync(join(dir, 'assets'), { recursive: true })
  writeFileSync(join(dir, 'index.html'), indexHtml)
  writeFileSync(join(dir, 'assets', 'index-Ab12Cd34.js'), script)
  writeFileSync(join(dir, 'assets', 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>')
  writeFileSync(join(dir, 'assets', 'index-Ab12Cd34.js.map'), sourceMap)
  writeFileSync(join(dir, '.env'), secret)
  mkdirSync(join(dir, '.git'))
  writeFileSync(join(dir, '.git', 'config'), secret)
  writeFileSync(join(dir, 'assets', '.hidden.js'), secret)
  symlinkSync(join(dir, '.env'), join(dir, 'env.txt'))
  writeFileSync(join(fixture, 'secret.txt'), secret)
  symlinkSync(join(fixture, 'secret.txt'), join(dir, 'linked.txt'))
  port = await serve({ dir })
})

afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()))
  rmSync(fixture, { recursive: true, force: true })
})

describe('createServer({ webApp }) serves a built web app', () => {
  it('GET / answers index.html, checked again on each use; HEAD the same headers without a body', async () => {
    const index = await get(port, '/')
    expect(index.status).toBe(200)
    expect(index.body).toBe(indexHtml)
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(index.headers['cache-control']).toBe('no-cache')
    expect(index.headers['content-length']).toBe(String(indexHtml.length))
    const head = await get(port, '/', { method: 'HEAD' })
    expect([head.status, head.body, head.headers.etag]).toStrictEqual([200, '', index.headers.etag])
    expect(head.headers['content-length']).toBe(String(indexHtml.length))
  })

  it('hashed assets get their content type and are cached for good; an unchanged file answers 304', async () => {
    const asset = await get(port, '/assets/index-Ab12Cd34.js')
    expect([asset.status, asset.body]).toStrictEqual([200, script])
    expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect((await get(port, '/assets/logo.svg')).headers['content-type']).toBe('image/svg+xml')
    const again = await get(port, '/assets/index-Ab12Cd34.js', {
      headers: { 'if-none-match': String(asset.headers.etag) },
    })
    expect([again.status, again.body]).toStrictEqual([304, ''])
  })

  it('a page the app routes itself answers index.html; a missing file is not the page', async () => {
    const deep = await get(port, '/runs/run-1', { headers: page })
    expect([deep.status, deep.body]).toStrictEqual([200, indexHtml])
    const missing = await get(port, '/assets/missing.js', { headers: page })
    expect(missing.status).toBe(404)
    expect(missing.body).not.toContain(indexHtml)
  })

  it('nothing outside the directory is served: no `..`, encoded or not, and no link out of it', async () => {
    for (const path of [
      '/../secret.txt',
      '/..%2fsecret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/linked.txt',
    ]) {
      const answer = await get(port, path)
      expect(answer.status, path).toBe(404)
      expect(answer.body, path).not.toContain(secret)
    }
  })

  it('the API is unchanged: tRPC procedures, REST routes and probes are never files or the page', async () => {
    const procedure = await get(port, '/definitions.list', {
      headers: { authorization: 'Bearer alice-token' },
    })
    expect(procedure.status).toBe(200)
    expect(JSON.parse(procedure.body)).toStrictEqual({ result: { data: [] } })
    const rest = await get(port, '/api/approvals', { headers: page })
    expect(rest.status).toBe(401)
    expect((await get(port, '/healthz', { headers: page })).body).toBe('{"status":"ok"}')
    const post = await get(port, '/', { method: 'POST', headers: page })
    expect(post.body).not.toContain(indexHtml)
  })

  it('every file it serves, page or asset, fresh or 304, forbids framing and foreign code, and sends no referrer', async () => {
    const index = await get(port, '/')
    const answers = [
      index,
      await get(port, '/runs/run-1', { headers: page }),
      await get(port, '/assets/index-Ab12Cd34.js'),
      await get(port, '/assets/logo.svg', { method: 'HEAD' }),
      await get(port, '/', { headers: { 'if-none-match': String(index.headers.etag) } }),
    ]
    expect(answers.map(({ status }) => status)).toStrictEqual([200, 200, 200, 200, 304])
    for (const answer of answers) {
      const policy = String(answer.headers['content-security-policy'])
      expect(policy.split('; ')).toEqual(
        expect.arrayContaining([
          "frame-ancestors 'none'",
          "default-src 'none'",
          "script-src 'self'",
          "style-src 'self'",
          "connect-src 'self'",
        ]),
      )
      expect(answer.headers['x-frame-options']).toBe('DENY')
      expect(answer.headers['referrer-policy']).toBe('no-referrer')
      expect(answer.headers['x-content-type-options']).toBe('nosniff')
      expect(answer.headers['cross-origin-opener-policy']).toBe('same-origin')
    }
  })

  it('no dotfile is served, under any spelling, nor the page in its place, nor through a link', async () => {
    for (const path of [
      '/.env',
      '/%2eenv',
      '/.git/config',
      '/.git/',
      '/assets/.hidden.js',
      '/assets/%2Ehidden.js',
      '/env.txt',
    ]) {
      const answer = await get(port, path, { headers: page })
      expect(answer.status, path).toBe(404)
      expect(answer.body, path).not.toContain(secret)
      expect(answer.body, path).not.toContain(indexHtml)
    }
  })

  it('source maps are not served unless asked for', async () => {
    for (const path of ['/assets/index-Ab12Cd34.js.map', '/assets/index-Ab12Cd34.js.%6Dap']) {
      const answer = await get(port, path, { headers: page })
      expect(answer.status, path).toBe(404)
      expect(answer.body, path).not.toContain(sourceMap)
    }
    const withMaps = await serve({ dir, sourceMaps: true })
    const answer = await get(withMaps, '/assets/index-Ab12Cd34.js.map')
    expect([answer.status, answer.body]).toStrictEqual([200, sourceMap])
    expect(answer.headers['x-frame-options']).toBe('DENY')
  })

  it('without webApp no page is served', async () => {
    const bare = await serve()
    const answer = await get(bare, '/', { headers: page })
    expect(answer.status).toBe(404)
    expect(answer.body).not.toContain(indexHtml)
  })
})
