/**
 * The test agents served over MCP on this process's stdin and stdout, as alice:
 * `node --import tsx agentsStdio.ts` (LEDGER in the environment, see agents.ts).
 */
import { Countersign, Principal } from '@countersign/core'
import { McpServer } from '../../src/index.js'
import { payouts, treasurer } from './agents.js'

const countersign = new Countersign({ agents: [treasurer, payouts], sweepEvery: false })
await McpServer.serveStdio(countersign, { principal: new Principal({ id: 'alice', roles: ['user'] }) })
