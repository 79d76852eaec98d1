/**
 * The demo: a Countersign server on the embedded store (or MongoDB when MONGODB_URL is set) with
 * the seed scenarios' agents, team and workflow, scripted so that no API key is needed, or on a
 * real model when OPENAI_API_KEY or OPENAI_BASE_URL is set (see model.ts). It prints which model,
 * where to open the control panel and the tokens to sign in with.
 *
 * Run it with `bash scripts/demo.sh`. PORT (default 3000) and HOST (default 127.0.0.1) choose
 * where it listens; PORT=0 takes any free port.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { createServer, staticTokens } from '@countersign/server'
import { notificationsFrom } from './channels.js'
import { filesAgent } from './definitions/files.js'
import { modelDescription } from './model.js'
import { demoPrincipals, served } from './served.js'
import { seed } from './seed.js'
import { openStore } from './store.js'

console.log(`[model] ${modelDescription}`)
const { store, description, close: closeStore } = await openStore()
console.log(`[store] ${description}`)

// Built by scripts/demo.sh (`pnpm --filter @countersign/control-panel build`).
const panel = fileURLToPath(new URL('../../control-panel/dist', import.meta.url))
const panelBuilt = existsSync(`${panel}/index.html`)
if (!panelBuilt)
  console.log('[panel] not built: serving the API only (pnpm --filter @countersign/control-panel build)')

const files = await filesAgent()
console.log(`[files] the files agent works in ${files.sandbox}, through the filesystem MCP server`)

const host = process.env.HOST || '127.0.0.1'
const hostPart = host.includes(':') ? `[${host}]` : host
const notifications = notificationsFrom(process.env, `http://${hostPart}:${process.env.PORT ?? 3000}`)
for (const line of notifications.lines) console.log(`[notify] ${line}`)

const server = createServer({
  ...served,
  agents: [...served.agents, files.agent],
  store,
  authenticate: staticTokens(demoPrincipals),
  ...(panelBuilt ? { webApp: { dir: panel } } : {}),
  ...(notifications.options === undefined ? {} : { notifications: notifications.options }),
  mounts: notifications.mounts,
})
const seeded = await seed(server.countersign, demoPrincipals['demo-user'])
if (seeded > 0) console.log(`[seed] started ${seeded} runs that wait for a decision`)

const { port } = await server.listen(Number(process.env.PORT ?? 3000), host).catch((error: unknown) => {
  const busy = error instanceof Error && 'code' in error && error.code === 'EADDRINUSE'
  console.error(
    busy ? `Port ${process.env.PORT ?? 3000} is taken: set PORT to another one (PORT=0: any).` : error,
  )
  process.exit(1)
})
const url = `http://${hostPart}:${port}`
console.log(`
Countersign demo listening on ${url}

  Open ${url} and sign in with a token:
    demo-user       ada, who starts runs and answers her own confirmations and forms
    demo-approver   grace, who decides the approval queue

  Or from a terminal (another shell):
    npm run -s countersign -- pending --url ${url} --token demo-user

Press Ctrl+C to stop; paused runs stay in the store.`)

const shutdown = async () => {
  console.log('\n[demo] stopping')
  await server.close()
  await files.close()
  await closeStore()
  process.exit(0)
}
process.once('SIGINT', () => void shutdown())
process.once('SIGTERM', () => void shutdown())
