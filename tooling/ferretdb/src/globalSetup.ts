/**
 * A vitest `globalSetup` file: one MongoDB server per test run, shared by the project's test files.
 *
 * In a package's vitest.config.ts:
 *
 *     test: { globalSetup: ['@countersign/ferretdb-harness/globalSetup'] }
 *
 * and in its tests: `const url = inject('mongodbUrl')` (from `vitest`). The server is `MONGODB_URL` when
 * that is set, else a FerretDB this file starts and stops (see `startMongo`).
 */
import type { TestProject } from 'vitest/node'
import { startMongo, type MongoServer } from './index.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** The connection string of the run's MongoDB server, e.g. `mongodb://127.0.0.1:40123/`. */
    mongodbUrl: string
  }
}

let server: MongoServer | undefined

export async function setup(project: TestProject): Promise<void> {
  server = await startMongo()
  project.provide('mongodbUrl', server.url)
}

export async function teardown(): Promise<void> {
  await server?.stop()
  server = undefined
}
