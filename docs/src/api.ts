/** Regenerates docs/api from the packages' source: `pnpm --filter @countersign/docs api`. */
import { rmSync } from 'node:fs'
import { apiFolder, generateApiReference } from './apiReference.js'

rmSync(apiFolder, { recursive: true, force: true })
await generateApiReference(apiFolder)
console.log(`API reference written to ${apiFolder}`)
