import { appendFileSync } from 'node:fs'

/*
 * The child side of the real-process suites: what a child process tells its test, one line at a
 * time, each printed once what it reports is done, so the test waits for lines, never for time.
 */

export const say = (line: string) => void process.stdout.write(`${line}\n`)

/** Never settles, and keeps the process alive (as a server holding a paused run would) until it is killed. */
export const stayAlive = () => new Promise<never>(() => setInterval(() => undefined, 60_000))

/**
 * Appends `key` to the ledger file at `path`, as a line. Synchronously: the line is on disk
 * before the caller goes on, whatever happens to the process next.
 */
export const recordInLedger = (path: string, key: string) => appendFileSync(path, `${key}\n`)
