/**
 * A real SMTP server process (`smtp-server`, plain SMTP on a free port of 127.0.0.1) that records
 * every message it accepts: it prints `listening <port>`, then `message <base64 of JSON>` for each
 * (`{ from, to, raw }`). The command `reject <code>` on stdin makes it refuse the next message with
 * that reply code (it prints `rejecting <code>`).
 */
import { createInterface } from 'node:readline'
import { SMTPServer } from 'smtp-server'

let rejectNext: number | undefined

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  onData: (stream, session, callback) => {
    const chunks: Array<Buffer> = []
    stream.on('data', (chunk: Buffer) => chunks.push(chunk))
    stream.on('end', () => {
      if (rejectNext !== undefined) {
        const error = Object.assign(new Error('Refused by the test'), { responseCode: rejectNext })
        rejectNext = undefined
        return callback(error)
      }
      const record = {
        from: session.envelope.mailFrom === false ? undefined : session.envelope.mailFrom.address,
        to: session.envelope.rcptTo.map((recipient) => recipient.address),
        raw: Buffer.concat(chunks).toString('utf8'),
      }
      process.stdout.write(`message ${Buffer.from(JSON.stringify(record)).toString('base64')}\n`)
      callback()
    })
  },
})

server.listen(0, '127.0.0.1', () => {
  const address = server.server.address()
  if (address === null || typeof address === 'string') throw new Error('smtp: no TCP address')
  process.stdout.write(`listening ${address.port}\n`)
})

createInterface({ input: process.stdin }).on('line', (line) => {
  const [command, code] = line.split(' ')
  if (command === 'reject') {
    rejectNext = Number(code)
    process.stdout.write(`rejecting ${code}\n`)
  }
})
process.stdin.on('end', () => process.exit(0))
