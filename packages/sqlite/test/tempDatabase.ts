import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A database path in a new temporary directory, and how to delete the directory (WAL files included). */
export const tempDatabase = () => {
  const directory = mkdtempSync(join(tmpdir(), 'countersign-sqlite-'))
  return {
    directory,
    path: join(directory, 'countersign.db'),
    remove: () => rmSync(directory, { recursive: true, force: true }),
  }
}
