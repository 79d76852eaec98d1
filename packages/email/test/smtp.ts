import { fileURLToPath } from 'node:url'
import { startSourceProcess } from '@countersign/server/testing'
import { type ParsedMail, simpleParser } from 'mailparser'

const entry = fileURLToPath(new URL('./servers/smtp.ts', import.meta.url))

interface Envelope {
  readonly from: string
  readonly to: ReadonlyArray<string>
  readonly raw: string
}

export interface ReceivedMail extends Envelope {
  readonly parsed: ParsedMail
}

/** The SMTP server process of `servers/smtp.ts`, and the messages it received, in order. */
export const startSmtpServer = async () => {
  const process = startSourceProcess(entry, [], { name: 'the SMTP server' })
  const line = await process.nextLine((each) => each.startsWith('listening '))
  const port = Number(line.split(' ')[1])
  const received: Array<Envelope> = []
  const waiting: Array<() => void> = []
  process.output.on('line', (each) => {
    if (!each.startsWith('message ')) return
    received.push(
      JSON.parse(Buffer.from(each.slice('message '.length), 'base64').toString('utf8')) as Envelope,
    )
    for (const wake of waiting.splice(0)) wake()
  })
  /** Resolves once `count` messages have been received, with them. */
  const messages = async (count: number): Promise<ReadonlyArray<ReceivedMail>> => {
    while (received.length < count) await new Promise<void>((resolve) => waiting.push(resolve))
    return Promise.all(received.map(async (mail) => ({ ...mail, parsed: await simpleParser(mail.raw) })))
  }
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    count: () => received.length,
    rejectNext: async (code: number) => {
      const done = process.nextLine((each) => each === `rejecting ${code}`)
      process.child.stdin.write(`reject ${code}\n`)
      await done
    },
    close: async () => {
      process.child.kill('SIGKILL')
      await process.ended
    },
  }
}
