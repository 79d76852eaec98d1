import Database from 'better-sqlite3'

/** The most rows one statement inserts: a longer list goes in statements of this many. */
const rowsPerStatement = 32

/**
 * An INSERT of a list of rows in one statement, `VALUES (…), (…), …`: one call into SQLite for
 * a batch instead of one a row. Prepared once for each number of rows it is called with. Takes
 * the rows' values one after the other (`columns` a row); the statement fails whole, changing
 * nothing, when any row does.
 */
export const manyRows = (db: Database.Database, into: string, columns: number) => {
  const row = `(${Array.from({ length: columns }, () => '?').join(', ')})`
  const prepared = new Map<number, Database.Statement<Array<unknown>>>()
  const statement = (rows: number) => {
    let found = prepared.get(rows)
    if (found === undefined) {
      found = db.prepare(`${into} VALUES ${Array.from({ length: rows }, () => row).join(', ')}`)
      prepared.set(rows, found)
    }
    return found
  }
  return (values: ReadonlyArray<unknown>): void => {
    const chunk = rowsPerStatement * columns
    for (let start = 0; start < values.length; start += chunk) {
      const part = values.length <= chunk ? values : values.slice(start, start + chunk)
      statement(part.length / columns).run(...part)
    }
  }
}

/** Whether SQLite refused a write because its primary key is taken. */
export const isKeyTaken = (error: unknown): boolean =>
  error instanceof Database.SqliteError && error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
