import Database from 'better-sqlite3'
import { chunks, renamed, renamings, type Renaming, type Template, templateIds } from './copiedRuns.js'

type Row = Record<string, unknown>

interface Column {
  readonly name: string
  readonly type: string
  readonly pk: number
}

/** The rows a table holds of the templates: by `run_id`, else (the approval changes' journal) by `approval_id`. */
const templateRows = (
  db: Database.Database,
  table: string,
  columns: ReadonlyArray<Column>,
  templates: ReadonlyArray<Template>,
) => {
  const names = columns.map(({ name }) => name)
  const { runIds, requirementIds } = templateIds(templates)
  const [column, ids] = names.includes('run_id')
    ? ['run_id', runIds]
    : names.includes('approval_id')
      ? ['approval_id', requirementIds]
      : [undefined, []]
  if (column === undefined || ids.length === 0) return []
  return db
    .prepare(`SELECT * FROM "${table}" WHERE "${column}" IN (${ids.map(() => '?').join(', ')})`)
    .all(...ids) as Array<Row>
}

/** Whether the row belongs to the template (one of its ids is in it). */
const belongsTo = (row: Row, { runId, requirementIds }: Template) =>
  Object.values(row).some(
    (value) => typeof value === 'string' && [runId, ...requirementIds].some((id) => value.includes(id)),
  )

/**
 * Stores `count` copies of the template runs in the SQLite database at `path`, through a
 * connection of its own, in transactions of a few hundred runs. Every table that holds rows of a
 * run is copied; a rowid column (the journal's sequence number) is left to SQLite to number.
 */
export const copySqliteRuns = (path: string, templates: ReadonlyArray<Template>, count: number) => {
  const db = new Database(path)
  try {
    db.pragma('journal_mode = WAL')
    const tables = (
      db
        .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
        .all() as Array<{ name: string }>
    ).map(({ name }) => name)
    const copies = tables.flatMap((table) => {
      const columns = db.prepare(`PRAGMA table_info("${table}")`).all() as Array<Column>
      const rows = templateRows(db, table, columns, templates)
      if (rows.length === 0) return []
      // An INTEGER PRIMARY KEY of its own is the rowid: SQLite numbers the copies.
      const keys = columns.filter(({ pk }) => pk > 0)
      const rowid = keys.length === 1 && keys[0]!.type.toUpperCase() === 'INTEGER' ? keys[0]!.name : undefined
      const written = columns.map(({ name }) => name).filter((name) => name !== rowid)
      const insert = db.prepare(
        `INSERT INTO "${table}" (${written.map((name) => `"${name}"`).join(', ')}) VALUES (${written.map(() => '?').join(', ')})`,
      )
      const byTemplate = new Map(
        templates.map((template) => [template, rows.filter((row) => belongsTo(row, template))]),
      )
      return [{ byTemplate, written, insert }]
    })
    const copyAll = db.transaction((batch: ReadonlyArray<Renaming>) => {
      for (const renaming of batch)
        for (const { byTemplate, written, insert } of copies)
          for (const row of byTemplate.get(renaming.template) ?? [])
            insert.run(
              ...written.map((name) => {
                const value = row[name]
                return typeof value === 'string' ? renamed(value, renaming) : value
              }),
            )
    })
    const made = renamings(templates, count)
    for (const batch of chunks(made, 500)) copyAll(batch)
    return made
  } finally {
    db.close()
  }
}
