import Database from 'better-sqlite3'
import { BSON, type CommandStartedEvent, type CommandSucceededEvent, type MongoClient } from 'mongodb'
import { commandKind } from '@countersign/mongodb/testing'

/** What a store sent to its database and got back over a stretch of work. */
export interface Traffic {
  readonly reads: number
  readonly writes: number
  /** Bytes of the documents or rows read back. */
  readonly bytesRead: number
  /** Bytes of the documents or values sent to be written. */
  readonly bytesWritten: number
  /**
   * Each command or statement (transaction control too, not counted above) by name, the most
   * frequent first: how many, and the bytes they read or wrote.
   */
  readonly byName: Readonly<Record<string, { readonly count: number; readonly bytes: number }>>
}

export interface TrafficMeter {
  /** What was sent since the last `take`, and a new count from zero. */
  readonly take: () => Traffic
  readonly stop: () => void
}

const tally = () => {
  const empty = () => ({
    reads: 0,
    writes: 0,
    bytesRead: 0,
    bytesWritten: 0,
    byName: new Map<string, { count: number; bytes: number }>(),
  })
  let traffic = empty()
  const named = (name: string) => {
    const entry = traffic.byName.get(name) ?? { count: 0, bytes: 0 }
    traffic.byName.set(name, entry)
    return entry
  }
  return {
    add: (name: string, kind: 'read' | 'write' | 'other', bytes: number) => {
      if (kind === 'read') {
        traffic.reads++
        traffic.bytesRead += bytes
      } else if (kind === 'write') {
        traffic.writes++
        traffic.bytesWritten += bytes
      }
      const entry = named(name)
      entry.count++
      entry.bytes += bytes
    },
    /** Bytes a read of `name` got back, once its reply came. */
    addBytesRead: (name: string, bytes: number) => {
      traffic.bytesRead += bytes
      named(name).bytes += bytes
    },
    take: (): Traffic => {
      const { byName, ...counts } = traffic
      traffic = empty()
      return { ...counts, byName: Object.fromEntries([...byName].sort(([, a], [, b]) => b.count - a.count)) }
    },
  }
}

/**
 * MongoDB commands as the client sends them (it must monitor its commands): reads and writes as
 * `countCommands` classifies them, the bytes of each write command as sent and of each read's reply.
 */
export const meterMongo = (client: MongoClient): TrafficMeter => {
  const counts = tally()
  const reads = new Map<number, string>()
  const started = (event: CommandStartedEvent) => {
    const kind = commandKind(event.commandName)
    // A command names its collection, but for getMore, whose first field is the cursor.
    const collection: unknown =
      event.commandName === 'getMore' ? event.command.collection : event.command[event.commandName]
    const name = `${event.commandName} ${String(collection)}`
    if (kind === 'read') reads.set(event.requestId, name)
    if (kind === 'read' || kind === 'write')
      counts.add(name, kind, kind === 'write' ? BSON.calculateObjectSize(event.command) : 0)
  }
  const succeeded = (event: CommandSucceededEvent) => {
    const name = reads.get(event.requestId)
    if (name === undefined) return
    reads.delete(event.requestId)
    counts.addBytesRead(name, BSON.calculateObjectSize(event.reply as BSON.Document))
  }
  client.on('commandStarted', started)
  client.on('commandSucceeded', succeeded)
  return {
    take: counts.take,
    stop: () => {
      client.off('commandStarted', started)
      client.off('commandSucceeded', succeeded)
    },
  }
}

/** Bytes of a value bound to or read from a statement: text as UTF-8, a number as 8. */
const sizeOf = (value: unknown): number =>
  typeof value === 'string'
    ? Buffer.byteLength(value)
    : typeof value === 'number' || typeof value === 'bigint'
      ? 8
      : Buffer.isBuffer(value)
        ? value.length
        : Array.isArray(value)
          ? value.reduce((sum: number, item) => sum + sizeOf(item), 0)
          : value !== null && typeof value === 'object'
            ? Object.values(value).reduce((sum: number, item) => sum + sizeOf(item), 0)
            : 0

type Method = 'run' | 'get' | 'all' | 'iterate'

/**
 * Every better-sqlite3 statement this process runs, from now until `stop`: a statement that
 * returns rows is a read (the bytes of its rows), any other a write (the bytes bound to it). It
 * wraps the statements' methods, as SQLite itself counts no statements per connection.
 */
export const meterSqlite = (): TrafficMeter => {
  const counts = tally()
  const scratch = new Database(':memory:')
  const prototype = Object.getPrototypeOf(scratch.prepare('SELECT 1')) as Record<
    Method,
    (...args: Array<unknown>) => unknown
  >
  scratch.close()
  const originals = new Map<Method, (...args: Array<unknown>) => unknown>()
  // A statement by its verb and its table: `SELECT runs`, `INSERT events`; transaction control apart.
  const nameOf = (source: string) => {
    const verb = source.trim().split(/\s+/)[0]!.toUpperCase()
    const table = /\b(?:FROM|INTO|UPDATE)\s+"?(\w+)/i.exec(source)?.[1]
    return table === undefined ? verb : `${verb} ${table}`
  }
  const control = new Set(['BEGIN', 'COMMIT', 'ROLLBACK', 'SAVEPOINT', 'RELEASE'])
  for (const method of ['run', 'get', 'all', 'iterate'] as const) {
    const original = prototype[method]
    originals.set(method, original)
    prototype[method] = function (this: Database.Statement, ...args: Array<unknown>) {
      const result = original.apply(this, args)
      const name = nameOf(this.source)
      if (control.has(name)) counts.add(name, 'other', 0)
      else if (!this.reader) counts.add(name, 'write', sizeOf(args))
      else if (method === 'iterate') {
        counts.add(name, 'read', 0)
        const rows = (result as Iterable<unknown>)[Symbol.iterator]()
        return (function* () {
          try {
            for (let next = rows.next(); next.done !== true; next = rows.next()) {
              counts.addBytesRead(name, sizeOf(next.value))
              yield next.value
            }
          } finally {
            rows.return?.()
          }
        })()
      } else counts.add(name, 'read', sizeOf(result))
      return result
    }
  }
  return {
    take: counts.take,
    stop: () => {
      for (const [method, original] of originals) prototype[method] = original
    },
  }
}
