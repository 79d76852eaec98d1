import { randomUUID } from 'node:crypto'

/**
 * Runs made by the engine, to be stored again under new ids: what a store holds of each, copied
 * with every id that must stay unique replaced, so that the copies are runs as the engine would
 * have written them (same documents or rows, same sizes, same statuses), only many more of them.
 */
export interface Template {
  readonly runId: string
  /** The ids of its requirements (and of the approvals that share them). */
  readonly requirementIds: ReadonlyArray<string>
}

/** A copy of a template: each of its ids and the new one in its place. */
export interface Renaming {
  readonly template: Template
  readonly replacements: ReadonlyArray<readonly [from: string, to: string]>
}

/** Ids are random UUIDs: a template's id appears in its documents only where it names that template. */
export const renamings = (templates: ReadonlyArray<Template>, count: number): Array<Renaming> =>
  Array.from({ length: count }, (_, index) => {
    const template = templates[index % templates.length]!
    return {
      template,
      replacements: [template.runId, ...template.requirementIds].map((id) => [id, randomUUID()] as const),
    }
  })

/** `text` with each template id replaced by the copy's. */
export const renamed = (text: string, { replacements }: Renaming) =>
  replacements.reduce((result, [from, to]) => result.split(from).join(to), text)

/** Every id of the templates, to select what they stored. */
export const templateIds = (templates: ReadonlyArray<Template>) => ({
  runIds: templates.map(({ runId }) => runId),
  requirementIds: templates.flatMap(({ requirementIds }) => requirementIds),
})

/** Splits `items` into chunks of `size`, for writes of a bounded size. */
export const chunks = <A>(items: ReadonlyArray<A>, size: number): Array<ReadonlyArray<A>> =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, index) =>
    items.slice(index * size, (index + 1) * size),
  )
