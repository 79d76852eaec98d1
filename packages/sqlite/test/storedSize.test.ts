import { describeStoredSize } from '@countersign/core/testing'
import Database from 'better-sqlite3'
import { SqliteStore } from '../src/index.js'
import { tempDatabase } from './tempDatabase.js'

/** What a column's value occupies, as SQLite stores it: text as UTF-8, numbers in 8 bytes. */
const byteLength = (value: unknown): number => {
  if (typeof value === 'string') return Buffer.byteLength(value)
  if (Buffer.isBuffer(value)) return value.length
  return typeof value === 'number' || typeof value === 'bigint' ? 8 : 0
}

/** Every row of every table, each as the sum of its columns' byte lengths, read over a connection of its own. */
const rowSizes = (path: string): Array<number> => {
  const db = new Database(path, { readonly: true })
  try {
    const tables = db
      .prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
      .pluck()
      .all() as Array<string>
    return tables.flatMap((table) =>
      (
        db
          .prepare(`SELECT * FROM "${table.replaceAll('"', '""')}"`)
          .raw()
          .all() as Array<Array<unknown>>
      ).map((row) => row.reduce<number>((sum, value) => sum + byteLength(value), 0)),
    )
  } finally {
    db.close()
  }
}

describeStoredSize('SqliteStore', () => {
  const file = tempDatabase()
  return Promise.resolve({
    open: () => {
      const store = SqliteStore.make({ path: file.path })
      return Promise.resolve({ store, close: () => Promise.resolve(store.close()) })
    },
    recordSizes: () => Promise.resolve(rowSizes(file.path)),
    drop: () => Promise.resolve(file.remove()),
  })
})
