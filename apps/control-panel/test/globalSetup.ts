import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'
import { chromiumPath } from './browser.js'

const root = fileURLToPath(new URL('..', import.meta.url))

/** Builds the panel once for every test file: the server processes serve its `dist`. */
export default async function setup() {
  if (!existsSync(chromiumPath))
    throw new Error(
      `The browser tests need Debian's chromium at ${chromiumPath}: apt-get install -y chromium (scripts/bootstrap.sh does it when run as root).`,
    )
  // Vitest runs with NODE_ENV=test, which would make Vite bundle React's development build: build as `vite build` does.
  const nodeEnv = process.env.NODE_ENV
  process.env.NODE_ENV = 'production'
  try {
    await build({ root, configFile: `${root}/vite.config.ts`, logLevel: 'warn' })
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV
    else process.env.NODE_ENV = nodeEnv
  }
}
