import type { Db, Document } from 'mongodb'
import { chunks, renamed, renamings, type Renaming, type Template, templateIds } from './copiedRuns.js'

/** Where each collection keeps the id of the run (or approval) a document belongs to. */
const owners: Readonly<Record<string, (ids: ReturnType<typeof templateIds>) => Document>> = {
  runs: ({ runIds }) => ({ _id: { $in: runIds } }),
  events: ({ runIds }) => ({ runId: { $in: runIds } }),
  resolutions: ({ runIds }) => ({ runId: { $in: runIds } }),
  approvals: ({ runIds }) => ({ runId: { $in: runIds } }),
  approval_changes: ({ requirementIds }) => ({ approvalId: { $in: requirementIds } }),
}

/** The counter that numbers the approval changes (see @countersign/mongodb's collections). */
const changeCounter = 'approval_changes'

const mentions = (document: Document, { runId, requirementIds }: Template) => {
  const text = JSON.stringify(document)
  return [runId, ...requirementIds].some((id) => text.includes(id))
}

/**
 * Stores `count` copies of the template runs in `db`: every document a template has in each
 * collection, as JSON with the template's ids replaced, inserted a thousand at a time. The
 * approval changes' journal is numbered on from its counter, as the store numbers it.
 */
export const copyMongoRuns = async (
  db: Db,
  templates: ReadonlyArray<Template>,
  count: number,
): Promise<ReadonlyArray<Renaming>> => {
  const ids = templateIds(templates)
  const sources = await Promise.all(
    Object.entries(owners).map(async ([name, owner]) => {
      const documents = await db.collection(name).find(owner(ids)).toArray()
      const byTemplate = new Map(
        templates.map((template) => [template, documents.filter((document) => mentions(document, template))]),
      )
      return { name, byTemplate }
    }),
  )
  const made = renamings(templates, count)
  for (const batch of chunks(made, 200)) {
    for (const { name, byTemplate } of sources) {
      const copies = batch.flatMap((renaming) =>
        (byTemplate.get(renaming.template) ?? []).map(
          (document) => JSON.parse(renamed(JSON.stringify(document), renaming)) as Document,
        ),
      )
      if (copies.length === 0) continue
      if (name === 'approval_changes') {
        const counter = await db
          .collection<{ _id: string; seq: number }>('counters')
          .findOneAndUpdate(
            { _id: changeCounter },
            { $inc: { seq: copies.length } },
            { upsert: true, returnDocument: 'after' },
          )
        const first = (counter?.seq ?? copies.length) - copies.length + 1
        copies.forEach((copy, index) => (copy._id = first + index))
      }
      for (const part of chunks(copies, 1_000))
        await db.collection(name).insertMany([...part], { ordered: false })
    }
  }
  return made
}
