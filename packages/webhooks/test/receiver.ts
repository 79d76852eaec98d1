import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Notification } from '@countersign/core'
import { startSourceProcess } from '@countersign/server/testing'

const entry = join(import.meta.dirname, 'fixtures', 'receiver.ts')

/** What the receiver recorded: each request it verified and answered 2xx, in order. */
export interface Received {
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  readonly notification: Notification
}

/** A receiver process (see fixtures/receiver.ts), killed by `stop`. */
export const startReceiver = async (
  secret: string,
  recordFile: string,
  answers: ReadonlyArray<string> = [],
) => {
  const process = startSourceProcess(entry, [secret, recordFile, answers.join(',')], { name: 'the receiver' })
  // Every request line, kept from the start: a test may ask for one after it arrived.
  const requests: Array<string> = []
  const waiting: Array<() => void> = []
  process.output.on('line', (line) => {
    if (!line.startsWith('request ')) return
    requests.push(line)
    for (const wake of waiting.splice(0)) wake()
  })
  const port = Number((await process.nextLine((line) => line.startsWith('listening '))).split(' ')[1])
  return {
    url: `http://127.0.0.1:${port}/hooks/countersign`,
    /** Resolves with the n-th request's line (`request <n> <webhook-id> <answer>`) once it arrived. */
    request: async (n: number) => {
      while (requests.length < n) await new Promise<void>((resolve) => waiting.push(resolve))
      return requests[n - 1]!
    },
    requestCount: () => requests.length,
    received: (): Array<Received> => {
      let text = ''
      try {
        text = readFileSync(recordFile, 'utf8')
      } catch {
        return []
      }
      return text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Received)
    },
    stop: async () => {
      process.child.kill('SIGKILL')
      await process.ended
    },
  }
}
