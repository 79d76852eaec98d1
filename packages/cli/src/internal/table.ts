import type { Output, Style } from './Output.js'
import { printable } from './printable.js'

export interface Column {
  readonly header: string
  readonly style?: Style
  /** Numbers read best aligned right. */
  readonly align?: 'right'
}

/**
 * Rows as aligned columns under a header, two spaces apart. Widths are measured on the plain
 * text, before styling; the last column is not padded, so no line ends in spaces. The cells are
 * the server's words: made printable first.
 */
export const table = (
  output: Output,
  columns: ReadonlyArray<Column>,
  cells: ReadonlyArray<ReadonlyArray<string>>,
): Array<string> => {
  const rows = cells.map((row) => row.map(printable))
  const widths = columns.map((column, index) =>
    Math.max(column.header.length, ...rows.map((row) => (row[index] ?? '').length)),
  )
  const render = (cells: ReadonlyArray<string>, styleOf: (column: Column) => Style | undefined) =>
    columns
      .map((column, index) => {
        const text = cells[index] ?? ''
        const last = index === columns.length - 1
        const padding = ' '.repeat(last && column.align !== 'right' ? 0 : widths[index]! - text.length)
        const padded = column.align === 'right' ? padding + text : text + padding
        const style = styleOf(column)
        return style === undefined ? padded : output.style(style, padded)
      })
      .join('  ')
      .trimEnd()
  return [
    render(
      columns.map(({ header }) => header),
      () => 'bold',
    ),
    ...rows.map((row) => render(row, (column) => column.style)),
  ]
}

/** At most `max` characters, the cut marked with an ellipsis. */
export const truncate = (text: string, max: number) =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`
